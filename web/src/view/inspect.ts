/**
 * The region inspector's facts about one polygon of a packed partition, from its arrays alone: vertices, area
 * (shoelace formula), and the neighbour across every edge (the polygon holding a point just outside the edge's
 * midpoint), with the hidden unit whose hyperplane carries the edge. DOM-free.
 */
import type { PackedPartition } from "../partition/packed.ts";
import { polygonAtIndexed as polygonAt } from "./polygon-index.ts";

/** One edge of an inspected polygon. */
export interface InspectedEdge {
  /** Hidden unit (pattern index) carrying the edge, or −1 on the view's rectangle. */
  unit: number;
  /** Index of the polygon across the edge, or −1 outside the view. */
  neighbour: number;
}

export interface InspectedRegion {
  vertices: [number, number][];
  area: number;
  edges: InspectedEdge[];
}

/**
 * How far outside an edge's midpoint the neighbour is looked up, as a share of the view's larger side: far below any
 * region the partition keeps (its interior threshold is absolute, 1e-9 plane units; views span 1e-6 at least), and
 * far above rounding of the coordinates.
 */
const ACROSS = 1e-7;

/** Vertices, area and neighbours of polygon k. */
export function inspectRegion(p: PackedPartition, k: number): InspectedRegion {
  const from = p.polyStart[k], to = p.polyStart[k + 1];
  const vertices: [number, number][] = [];
  let twice = 0;
  for (let i = from; i < to; i++) {
    const j = i + 1 < to ? i + 1 : from;
    vertices.push([p.coords[2 * i], p.coords[2 * i + 1]]);
    twice += p.coords[2 * i] * p.coords[2 * j + 1] - p.coords[2 * j] * p.coords[2 * i + 1];
  }
  const r = p.rect, step = ACROSS * Math.max(r.umax - r.umin, r.vmax - r.vmin);
  const edges: InspectedEdge[] = [];
  for (let i = from; i < to; i++) {
    const j = i + 1 < to ? i + 1 : from;
    const ax = p.coords[2 * i], ay = p.coords[2 * i + 1], bx = p.coords[2 * j], by = p.coords[2 * j + 1];
    const len = Math.hypot(bx - ax, by - ay);
    if (len === 0) continue;
    // Counter-clockwise polygon: the outward normal of edge a → b is (dy, −dx) / |ab|.
    const mx = (ax + bx) / 2 + (step * (by - ay)) / len, my = (ay + by) / 2 - (step * (bx - ax)) / len;
    const unit = p.labels[i];
    edges.push({ unit, neighbour: unit < 0 ? -1 : polygonAt(p, mx, my) });
  }
  return { vertices, area: twice / 2, edges };
}
