/**
 * Paints a packed exact partition on a canvas with the core's partition painter (src/render/partition-painter.ts,
 * the one `tessera draw` writes SVGs with, here through a Canvas 2D context): regions filled by predicted class (class
 * cells) or one colour per activation pattern, or shaded by the logit margin; thin region edges; the class boundary
 * thick over a white halo. Runs in the partition worker on an OffscreenCanvas (the page's main thread stays free), or on the page when the
 * browser has no OffscreenCanvas.
 */
import { paintPartition, type PlaneRect, RasterPaintContext } from "tessera";
import type { PackedPartition } from "../partition/packed.ts";
import { viewLayout } from "./layout.ts";
import { pictureOf } from "./picture.ts";
import { outputScale, shadeUnitOutput } from "./unit-output.ts";

/** How the picture is drawn. */
export interface PaintStyle {
  /**
   * By predicted class (discrete), one colour per activation pattern, or by confidence: the logit margin f1 − f2 of a
   * 2-output network, affine on each region and painted exactly as its linear gradient (other networks: by class).
   */
  colouring: "class" | "pattern" | "confidence";
  showEdges: boolean;
}

/** Canvas size in CSS pixels and the device pixel ratio. */
export interface PaintSize {
  width: number;
  height: number;
  dpr: number;
}

export type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Stroke a path in `colour` over a white halo, so it reads on every fill (widths in CSS pixels; `px` in plane units). */
export function strokeWithHalo(ctx: Context2D, path: Path2D, colour: string, width: number, halo: number, px: number): void {
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = halo * px;
  ctx.stroke(path);
  ctx.strokeStyle = colour;
  ctx.lineWidth = width * px;
  ctx.stroke(path);
}

/** Append a closed polygon (vertices from..to−1 of a flat x, y array) to a path. */
export function addPolygon(path: Path2D, coords: Float64Array, from: number, to: number): void {
  path.moveTo(coords[2 * from], coords[2 * from + 1]);
  for (let i = from + 1; i < to; i++) path.lineTo(coords[2 * i], coords[2 * i + 1]);
  path.closePath();
}

/**
 * A picture painted in two strips by two workers: this painter draws the pixel columns on one side of the seam (those
 * whose centres lie left of it, or the rest), laid out for the whole view.
 */
export interface StripFrame {
  /** The whole view. */
  rect: PlaneRect;
  seam: number;
  side: 0 | 1;
  /** Polygons of the whole picture (the edge width follows it) and the view's largest |margin| (its shading scale). */
  polygons: number;
  marginScale: number;
}

/** The largest |margin| (f1 − f2, or f for one output) over a packed partition, the scale of its confidence shading. */
export function marginScaleOf(p: PackedPartition): number {
  return p.outputs === 1 || p.outputs === 2 ? outputScale(p, marginForms(p)) : 0;
}

/** The logit margin f1 − f2 (for one output, a regression: the output f itself) on every polygon as an affine form. */
function marginForms(p: PackedPartition): Float64Array {
  const n = p.polyStart.length - 1, forms = p.outputs === 1 ? valueForms(p) : new Float64Array(3 * n);
  if (p.outputs !== 1) for (let k = 0; k < n; k++) {
    forms[3 * k] = p.J[4 * k] - p.J[4 * k + 2];
    forms[3 * k + 1] = p.J[4 * k + 1] - p.J[4 * k + 3];
    forms[3 * k + 2] = p.c[2 * k] - p.c[2 * k + 1];
  }
  return forms;
}

/** The painter of one canvas. */
export class PartitionPainter {
  private partition?: PackedPartition;
  private frame?: StripFrame;

  constructor(
    private readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    private style: PaintStyle,
    private size: PaintSize,
  ) {}

  /** The partition to paint; with `frame`, it is one strip's picture of a view painted by two workers. */
  setPartition(p: PackedPartition, frame?: StripFrame): void {
    this.partition = p;
    this.frame = frame;
  }

  setStyle(style: PaintStyle): void {
    this.style = style;
  }

  setSize(size: PaintSize): void {
    this.size = size;
  }

  private marginCache?: { p: PackedPartition; forms: Float64Array; scale: number };

  /**
   * The logit margin f1 − f2 on every polygon as an affine form (for one output, a regression: the output f itself),
   * and its largest |value| in view.
   */
  private margins(p: PackedPartition): { forms: Float64Array; scale: number } {
    if (this.marginCache?.p === p) return this.marginCache;
    const forms = marginForms(p);
    this.marginCache = { p, forms, scale: this.frame ? this.frame.marginScale : outputScale(p, forms) };
    return this.marginCache;
  }

  /** Draw the partition over its own rectangle; returns the time taken (ms). */
  draw(): number {
    const t0 = performance.now();
    const { width: w, height: h, dpr } = this.size;
    const pw = Math.max(1, Math.round(w * dpr)), ph = Math.max(1, Math.round(h * dpr));
    if (this.canvas.width !== pw || this.canvas.height !== ph) {
      this.canvas.width = pw;
      this.canvas.height = ph;
    }
    const ctx = this.canvas.getContext("2d") as Context2D | null;
    const p = this.partition;
    if (!ctx) return 0;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, pw, ph);
    if (!p) return performance.now() - t0;
    const f = this.frame;
    const r = f ? f.rect : p.rect;
    const layout = viewLayout(w, h, r);
    const { s, ox, oy } = layout;
    // The columns drawn (CSS pixels): the whole view, or one side of the seam at a device-pixel boundary (pixels
    // whose centres lie right of the seam go to the right strip; no anti-aliased clip edge between the two bitmaps).
    let x0 = ox, x1 = ox + s * (r.umax - r.umin);
    if (f) {
      const seamColumn = Math.ceil((ox + s * (f.seam - r.umin)) * dpr - 0.5) / dpr;
      if (f.side === 0) x1 = seamColumn;
      else x0 = seamColumn;
    }
    ctx.save();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.beginPath();
    ctx.rect(x0, oy, x1 - x0, s * (r.vmax - r.vmin));
    ctx.clip();
    const margin = this.style.colouring === "confidence" && (p.outputs === 2 || p.outputs === 1) ? this.margins(p) : undefined;
    // The core painter, in CSS pixels (the transform scales them to device pixels): the rules of `tessera draw`.
    // Fills and hairlines are rasterised into the canvas's pixels directly (src/render/raster-context.ts), the rest
    // drawn as canvas paths.
    const raster = new RasterPaintContext(ctx, pw, ph, dpr, { x: x0, y: oy, w: x1 - x0, h: s * (r.vmax - r.vmin) }, true);
    const view = { left: ox, top: oy, scale: s, umin: r.umin, vmax: r.vmax };
    // The logit margin, shaded exactly per pixel under the edges.
    if (margin) shadeUnitOutput(raster, p, margin.forms, margin.scale, view, dpr);
    paintPartition(raster, pictureOf(p), view, {
      fill: margin ? "none" : this.style.colouring === "pattern" ? "pattern" : "class",
      edges: this.style.showEdges,
      boundary: true,
      polygonsInPicture: f?.polygons,
    });
    ctx.restore();
    return performance.now() - t0;
  }
}

/** A one-output partition's map on every polygon as affine forms (a, b, c) of f = a·x1 + b·x2 + c, flat. */
export function valueForms(p: PackedPartition): Float64Array {
  const n = p.polyStart.length - 1, forms = new Float64Array(3 * n);
  for (let k = 0; k < n; k++) {
    forms[3 * k] = p.J[2 * k];
    forms[3 * k + 1] = p.J[2 * k + 1];
    forms[3 * k + 2] = p.c[k];
  }
  return forms;
}
