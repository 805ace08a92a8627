/**
 * The small drawing interface the partition painter draws through (in the manner of d3-delaunay's context: path
 * commands, then one paint call per batch), and its two implementations: an SVG string (the CLI's pictures and the
 * explorer's SVG export) and a Canvas 2D context (the explorer's picture, on an OffscreenCanvas or a page canvas).
 * Isomorphic: the canvas is typed structurally, so this module needs neither the DOM nor Node.
 */
import { fmt } from "./svg.ts";

/** How a path is painted: the attributes of one SVG `<path>` element (all lengths in pixels). */
export interface PathStyle {
  /** Fill colour (CSS), or none. */
  fill?: string;
  /** Stroke colour (CSS), or none. */
  stroke?: string;
  strokeOpacity?: number;
  strokeWidth?: number;
  lineJoin?: "round" | "bevel" | "miter";
  lineCap?: "round" | "butt" | "square";
  /** Dash and gap lengths. */
  dash?: [number, number];
  /** The stroke width is in screen pixels whatever the SVG is scaled to (SVG `vector-effect="non-scaling-stroke"`). */
  nonScalingStroke?: boolean;
}

/**
 * Where the partition painter draws. Paths are built from `moveTo`/`lineTo`/`closePath` after `beginPath`, in pixel
 * coordinates, and painted by `paint`, which ends the path.
 */
export interface PaintContext {
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  closePath(): void;
  /** Paint the current path: fill first, then stroke. */
  paint(style: PathStyle): void;
  /**
   * Most polygons the painter puts in one path before painting it and starting another (default: all of a batch in
   * one). Rasterisers that slow down on huge paths set it; the picture is the same.
   */
  readonly polygonsPerPath?: number;
  /** Finish drawing (a context that buffers pixels writes them out). */
  flush?(): void;
}

/** Paints as SVG `<path>` elements, appended to `parts` (coordinates written by {@link fmt}: two decimals). */
export class SvgPathContext implements PaintContext {
  private d = "";
  constructor(readonly parts: string[] = []) {}
  beginPath(): void {
    this.d = "";
  }
  moveTo(x: number, y: number): void {
    this.d += `M${fmt(x)} ${fmt(y)}`;
  }
  lineTo(x: number, y: number): void {
    this.d += `L${fmt(x)} ${fmt(y)}`;
  }
  closePath(): void {
    this.d += "Z";
  }
  paint(s: PathStyle): void {
    let a = `<path d="${this.d}" fill="${s.fill ?? "none"}"`;
    if (s.stroke !== undefined) a += ` stroke="${s.stroke}"`;
    if (s.strokeOpacity !== undefined) a += ` stroke-opacity="${s.strokeOpacity}"`;
    if (s.strokeWidth !== undefined) a += ` stroke-width="${s.strokeWidth}"`;
    if (s.lineJoin !== undefined) a += ` stroke-linejoin="${s.lineJoin}"`;
    if (s.lineCap !== undefined) a += ` stroke-linecap="${s.lineCap}"`;
    if (s.dash !== undefined) a += ` stroke-dasharray="${s.dash[0]} ${s.dash[1]}"`;
    if (s.nonScalingStroke) a += ` vector-effect="non-scaling-stroke"`;
    this.parts.push(a + "/>");
    this.d = "";
  }
}

/** What {@link CanvasPaintContext} needs of a canvas 2-D context (page canvas or OffscreenCanvas). */
export interface Canvas2D {
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  lineJoin: string;
  lineCap: string;
  globalAlpha: number;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  closePath(): void;
  fill(): void;
  stroke(): void;
  setLineDash(segments: number[]): void;
}

/**
 * Polygons per canvas path. One path per colour is the batching that matters (one fill call per colour, not per
 * region); Chromium's software rasteriser, though, slows down more than linearly on single paths of hundreds of
 * thousands of segments (stroking the edges of 40,000 regions as one path took seconds), so large batches are cut
 * into paths of this many polygons, a few dozen fill and stroke calls in all.
 */
export const CANVAS_POLYGONS_PER_PATH = 2000;

/**
 * Thinnest stroke (pixels) drawn with the join asked for: joins of thinner lines cover less than a pixel and look the
 * same as bevel joins, which rasterise far faster, so the canvas draws those as bevels.
 */
const JOIN_VISIBLE_WIDTH = 1;

/**
 * Paints on a Canvas 2D context, in its current transform (pixel coordinates times the device pixel ratio, say).
 * `nonScalingStroke` is ignored: the transform is a uniform scale, set by the caller.
 */
export class CanvasPaintContext implements PaintContext {
  readonly polygonsPerPath = CANVAS_POLYGONS_PER_PATH;
  constructor(private readonly ctx: Canvas2D) {}
  beginPath(): void {
    this.ctx.beginPath();
  }
  moveTo(x: number, y: number): void {
    this.ctx.moveTo(x, y);
  }
  lineTo(x: number, y: number): void {
    this.ctx.lineTo(x, y);
  }
  closePath(): void {
    this.ctx.closePath();
  }
  paint(s: PathStyle): void {
    const ctx = this.ctx;
    if (s.fill !== undefined && s.fill !== "none") {
      ctx.fillStyle = s.fill;
      ctx.fill();
    }
    if (s.stroke !== undefined && s.stroke !== "none") {
      const width = s.strokeWidth ?? 1;
      ctx.strokeStyle = s.stroke;
      ctx.globalAlpha = s.strokeOpacity ?? 1;
      ctx.lineWidth = width;
      ctx.lineJoin = width < JOIN_VISIBLE_WIDTH ? "bevel" : (s.lineJoin ?? "miter");
      ctx.lineCap = s.lineCap ?? "butt";
      ctx.setLineDash(s.dash ?? []);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
  }
}
