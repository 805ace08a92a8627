/**
 * Paints a packed exact partition on a canvas, as `renderPartitionSvg` draws it: regions filled by predicted class
 * (class cells) or one colour per activation pattern, thin region edges, the class boundary thick over a white halo,
 * the rectangle's outline. Paths are built once per partition in plane coordinates and drawn through one transform.
 * Runs in the partition worker on an OffscreenCanvas (the page's main thread stays free), or on the page when the
 * browser has no OffscreenCanvas.
 */
import { classFill, patternColour } from "../../../src/render/svg.ts";
import type { PackedPartition } from "../partition/packed.ts";
import { setPlaneTransform, viewLayout } from "./layout.ts";
import { outputScale, paintUnitOutput } from "./unit-output.ts";

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

interface Paths {
  fills: { colour: string; path: Path2D }[];
  edges: Path2D[];
  boundary: Path2D;
}

/**
 * Polygons per Path2D. One path per colour is the batching that matters (one fill call per colour, not per region);
 * Chromium's software rasteriser, though, slows down more than linearly on single paths of hundreds of thousands of
 * segments (stroking the edges of 40,000 regions as one path took seconds), so very large groups are cut into
 * chunks of this many polygons, a few dozen fill and stroke calls in all.
 */
export const POLYGONS_PER_PATH = 2000;

/** Paths of one colour, a new one every {@link POLYGONS_PER_PATH} polygons. */
class ChunkedPath {
  readonly paths: Path2D[] = [];
  private count = POLYGONS_PER_PATH;
  next(): Path2D {
    if (this.count === POLYGONS_PER_PATH) {
      this.paths.push(new Path2D());
      this.count = 0;
    }
    this.count++;
    return this.paths[this.paths.length - 1];
  }
}

/**
 * Region edge width in CSS pixels from the mean screen area of a polygon: 0.9 px while polygons are larger than
 * about 40×40 px, thinning to 0.3 px as they shrink, so thousands of small regions stay readable.
 */
function edgeWidth(plotPixels: number, polygons: number): number {
  const side = Math.sqrt(plotPixels / Math.max(1, polygons));
  return Math.min(0.9, Math.max(0.3, side / 45));
}

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

/** The painter of one canvas. */
export class PartitionPainter {
  private partition?: PackedPartition;
  private paths?: Paths;

  constructor(
    private readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    private style: PaintStyle,
    private size: PaintSize,
  ) {}

  setPartition(p: PackedPartition): void {
    this.partition = p;
    this.paths = undefined;
  }

  setStyle(style: PaintStyle): void {
    if (style.colouring !== this.style.colouring) this.paths = undefined;
    this.style = style;
  }

  setSize(size: PaintSize): void {
    this.size = size;
  }

  private buildPaths(p: PackedPartition): Paths {
    const n = p.polyStart.length - 1;
    const groups = new Map<string, ChunkedPath>();
    const group = (colour: string) => {
      let path = groups.get(colour);
      if (!path) groups.set(colour, (path = new ChunkedPath()));
      return path.next();
    };
    if (this.style.colouring !== "pattern") {
      for (let k = 0; k + 1 < p.cellStart.length; k++) addPolygon(group(classFill(p.cellClass[k])), p.cellCoords, p.cellStart[k], p.cellStart[k + 1]);
    } else {
      for (let k = 0; k < n; k++) addPolygon(group(patternColour(p.patterns.subarray(k * p.units, (k + 1) * p.units))), p.coords, p.polyStart[k], p.polyStart[k + 1]);
    }
    const edges = new ChunkedPath();
    for (let k = 0; k < n; k++) addPolygon(edges.next(), p.coords, p.polyStart[k], p.polyStart[k + 1]);
    const boundary = new Path2D();
    for (let k = 0; k + 1 < p.lineStart.length; k++) {
      const from = p.lineStart[k], to = p.lineStart[k + 1];
      boundary.moveTo(p.lineCoords[2 * from], p.lineCoords[2 * from + 1]);
      for (let i = from + 1; i < to; i++) boundary.lineTo(p.lineCoords[2 * i], p.lineCoords[2 * i + 1]);
      if (p.lineClosed[k]) boundary.closePath();
    }
    const fills = [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flatMap(([colour, chunks]) => chunks.paths.map((path) => ({ colour, path })));
    return { fills, edges: edges.paths, boundary };
  }

  private marginCache?: { p: PackedPartition; forms: Float64Array; scale: number };

  /** The logit margin f1 − f2 on every polygon as an affine form, and its largest |value| in view. */
  private margins(p: PackedPartition): { forms: Float64Array; scale: number } {
    if (this.marginCache?.p === p) return this.marginCache;
    const n = p.polyStart.length - 1, forms = new Float64Array(3 * n);
    for (let k = 0; k < n; k++) {
      forms[3 * k] = p.J[4 * k] - p.J[4 * k + 2];
      forms[3 * k + 1] = p.J[4 * k + 1] - p.J[4 * k + 3];
      forms[3 * k + 2] = p.c[2 * k] - p.c[2 * k + 1];
    }
    this.marginCache = { p, forms, scale: outputScale(p, forms) };
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
    this.paths ??= this.buildPaths(p);
    const paths = this.paths, r = p.rect;
    const layout = viewLayout(w, h, r);
    const { s, ox, oy } = layout;
    ctx.save();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.beginPath();
    ctx.rect(ox, oy, s * (r.umax - r.umin), s * (r.vmax - r.vmin));
    ctx.clip();
    const px = setPlaneTransform(ctx, layout, r, dpr);
    ctx.lineJoin = "round";
    const margin = this.style.colouring === "confidence" && p.outputs === 2 ? this.margins(p) : undefined;
    if (margin) paintUnitOutput(ctx, p, margin.forms, margin.scale);
    else for (const f of paths.fills) {
      ctx.fillStyle = f.colour;
      ctx.fill(f.path);
      if (!this.style.showEdges) {
        // A hairline of the fill colour closes anti-aliasing seams between cells (edges cover them otherwise).
        ctx.strokeStyle = f.colour;
        ctx.lineWidth = 0.6 * px;
        ctx.stroke(f.path);
      }
    }
    if (this.style.showEdges) {
      // Joins of hairlines are invisible; bevel joins are far cheaper to rasterise than round ones.
      ctx.lineJoin = "bevel";
      ctx.strokeStyle = "rgba(55, 65, 81, 0.75)";
      ctx.lineWidth = edgeWidth(s * s * (r.umax - r.umin) * (r.vmax - r.vmin), p.polyStart.length - 1) * px;
      for (const e of paths.edges) ctx.stroke(e);
    }
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    strokeWithHalo(ctx, paths.boundary, "#000000", 2.4, 5, px);
    ctx.restore();
    return performance.now() - t0;
  }
}
