/**
 * The one painter of a planar partition's picture: region fills (by predicted class or one colour per activation
 * pattern), region edges, first-layer hyperplanes, the domain's outline and the class boundary, drawn through a
 * {@link PaintContext} (an SVG string for the CLI and exports, a Canvas 2D context in the explorer). The partition
 * comes flat ({@link PartitionPicture}: typed arrays, as the explorer's worker hands it over), so both draw from the
 * same arrays by the same rules:
 *
 * - fills: one path per class (class cells, in class order), or one path per polygon by its pattern's colour, each
 *   with a 0.6 px hairline of its own colour that closes anti-aliasing seams between neighbours;
 * - region edges: every polygon's outline in one batch (shared edges drawn twice, in one colour at opacity 0.75), as
 *   wide as {@link edgeWidth} of the number of polygons;
 * - the class boundary: a 5 px white halo under a 2.4 px black line, so it reads on every fill.
 */
import { allPolygons, type PlanarPartition } from "../geometry/partition.ts";
import type { ClassBoundary } from "../geometry/class-boundary.ts";
import type { PaintContext } from "./paint-context.ts";
import { classFill, patternColour } from "./svg.ts";

/** Polygons in flat arrays: polygon k has vertices start[k] … start[k+1] − 1, as (x, y) pairs in `coords`. */
export interface PolygonList {
  start: ArrayLike<number>;
  coords: ArrayLike<number>;
}

/** A partition's picture, flat: what the painter draws, in plane coordinates. */
export interface PartitionPicture {
  /** Every polygon: the regions, then the slivers. */
  polygons: PolygonList;
  /** Hidden units: the length of one pattern. */
  units: number;
  /** Pattern of polygon k: patterns[k·units … (k+1)·units − 1] (for colouring by pattern). */
  patterns: Uint8Array;
  /** Class cells (a polygon clipped to where one class is predicted) and their classes. */
  cells: PolygonList & { cls: ArrayLike<number> };
  /** Class-boundary polylines and whether each is closed. */
  lines: PolygonList & { closed: ArrayLike<number> };
}

/** Plane to pixels: x = left + (u − umin)·scale, y = top + (vmax − v)·scale (v grows upwards). */
export interface PlaneToPixels {
  left: number;
  top: number;
  scale: number;
  umin: number;
  vmax: number;
}

/** What {@link paintPartition} draws. */
export interface PartitionPaintOptions {
  /** Region fills: by predicted class (class cells), one colour per activation pattern, or none. */
  fill: "class" | "pattern" | "none";
  /** Region edges. */
  edges: boolean;
  /** The class boundary. */
  boundary: boolean;
  /** Line segments (u0, v0, u1, v1 each) drawn dashed in {@link HYPERPLANE_COLOUR}: the first layer's hyperplanes. */
  hyperplanes?: ArrayLike<number>;
  /** A polygon outlined in dark grey (flat u, v pairs): the input domain. */
  outline?: ArrayLike<number>;
  /** Polygons of the whole picture, when this paints only part of it (a strip): the edge width follows it. */
  polygonsInPicture?: number;
}

/** First-layer hyperplanes lie on region edges: a colour of their own keeps the dashes visible on top of them. */
export const HYPERPLANE_COLOUR = "#b91c1c";
/** Region edges' colour and opacity. */
export const EDGE_COLOUR = "#374151";
export const EDGE_OPACITY = 0.75;
/** Width (px) of the hairline of a fill's own colour around every filled path. */
const SEAM_HAIRLINE = 0.6;

/** Line widths that keep thousands of small regions readable: thinner edges when regions are many. */
export function edgeWidth(polygons: number): number {
  return polygons > 5000 ? 0.3 : polygons > 1500 ? 0.45 : polygons > 300 ? 0.6 : 0.8;
}

/**
 * A partition's picture from the core's partition and class boundary (see `planarPartition`, `classBoundary`).
 */
export function partitionPicture(partition: PlanarPartition, boundary?: ClassBoundary): PartitionPicture {
  const polys = allPolygons(partition);
  const units = partition.units;
  const polygons = flatten(polys.map((p) => p.polygon), polys.map((p) => p.edges.length));
  const patterns = new Uint8Array(polys.length * units);
  polys.forEach((p, k) => patterns.set(p.pattern, k * units));
  const cellList = boundary?.cells ?? [];
  const cells = { ...flatten(cellList.map((c) => c.polygon), cellList.map((c) => c.edges.length)), cls: Int32Array.from(cellList, (c) => c.cls) };
  const lineList = boundary?.polylines ?? [];
  const lines = { ...flatten(lineList.map((l) => l.points), lineList.map((l) => l.points.length / 2)), closed: Uint8Array.from(lineList, (l) => (l.closed ? 1 : 0)) };
  return { polygons, units, patterns, cells, lines };
}

/** Concatenate vertex lists (the first n[k] vertices of each) with their start offsets. */
function flatten(parts: ArrayLike<number>[], n: number[]): { start: Uint32Array; coords: Float64Array } {
  const start = new Uint32Array(parts.length + 1);
  for (let k = 0; k < parts.length; k++) start[k + 1] = start[k] + n[k];
  const coords = new Float64Array(2 * start[parts.length]);
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k], at = 2 * start[k];
    for (let i = 0; i < 2 * n[k]; i++) coords[at + i] = p[i];
  }
  return { start, coords };
}

/** Paint the picture through `ctx`, in the order fills, edges, hyperplanes, outline, class boundary. */
export function paintPartition(ctx: PaintContext, picture: PartitionPicture, view: PlaneToPixels, opts: PartitionPaintOptions): void {
  const { left, top, scale, umin, vmax } = view;
  const X = (u: number) => left + (u - umin) * scale, Y = (v: number) => top + (vmax - v) * scale;
  const perPath = ctx.polygonsPerPath ?? Infinity;
  const polygon = (list: PolygonList, k: number, closed = true) => {
    const from = list.start[k], to = list.start[k + 1], c = list.coords;
    ctx.moveTo(X(c[2 * from]), Y(c[2 * from + 1]));
    for (let i = from + 1; i < to; i++) ctx.lineTo(X(c[2 * i]), Y(c[2 * i + 1]));
    if (closed) ctx.closePath();
  };
  /** Paint polygons `ks` of `list` as one batch (cut into paths of `perPath` polygons). */
  const batch = (list: PolygonList, ks: ArrayLike<number>, paint: () => void) => {
    ctx.beginPath();
    for (let j = 0; j < ks.length; j++) {
      if (j > 0 && j % perPath === 0) {
        paint();
        ctx.beginPath();
      }
      polygon(list, ks[j]);
    }
    paint();
  };
  const { polygons, cells, lines } = picture;
  const n = polygons.start.length - 1;

  if (opts.fill === "class") {
    const byClass = new Map<number, number[]>();
    for (let k = 0; k + 1 < cells.start.length; k++) {
      const list = byClass.get(cells.cls[k]);
      if (list) list.push(k);
      else byClass.set(cells.cls[k], [k]);
    }
    for (const [cls, ks] of [...byClass].sort((a, b) => a[0] - b[0])) {
      const colour = classFill(cls);
      batch(cells, ks, () => ctx.paint({ fill: colour, stroke: colour, strokeWidth: SEAM_HAIRLINE }));
    }
  } else if (opts.fill === "pattern") {
    for (let k = 0; k < n; k++) {
      const colour = patternColour(picture.patterns.subarray(k * picture.units, (k + 1) * picture.units));
      ctx.beginPath();
      polygon(polygons, k);
      ctx.paint({ fill: colour, stroke: colour, strokeWidth: SEAM_HAIRLINE });
    }
  }

  if (opts.edges) {
    const all = new Uint32Array(n);
    for (let k = 0; k < n; k++) all[k] = k;
    const width = edgeWidth(opts.polygonsInPicture ?? n);
    batch(polygons, all, () => ctx.paint({ stroke: EDGE_COLOUR, strokeOpacity: EDGE_OPACITY, strokeWidth: width, lineJoin: "round", nonScalingStroke: true }));
  }

  const h = opts.hyperplanes;
  if (h && h.length >= 4) {
    ctx.beginPath();
    for (let i = 0; i + 3 < h.length; i += 4) {
      ctx.moveTo(X(h[i]), Y(h[i + 1]));
      ctx.lineTo(X(h[i + 2]), Y(h[i + 3]));
    }
    ctx.paint({ stroke: HYPERPLANE_COLOUR, strokeWidth: 1.4, dash: [7, 4] });
  }

  const o = opts.outline;
  if (o && o.length >= 2) {
    ctx.beginPath();
    polygon({ start: [0, o.length / 2], coords: o }, 0);
    ctx.paint({ stroke: "#111827", strokeWidth: 1.2 });
  }

  if (opts.boundary && lines.start.length > 1) {
    ctx.beginPath();
    for (let k = 0; k + 1 < lines.start.length; k++) polygon(lines, k, lines.closed[k] === 1);
    ctx.paint({ stroke: "#ffffff", strokeWidth: 5, lineJoin: "round", lineCap: "round" });
    ctx.beginPath();
    for (let k = 0; k + 1 < lines.start.length; k++) polygon(lines, k, lines.closed[k] === 1);
    ctx.paint({ stroke: "#000000", strokeWidth: 2.4, lineJoin: "round", lineCap: "round" });
  }
  ctx.flush?.();
}
