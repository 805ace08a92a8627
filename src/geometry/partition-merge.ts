/**
 * The planar partition of a rectangle from the partitions of vertical strips of it, joined exactly across the seams
 * (so that two threads can each partition a strip). An activation region is convex (on it every layer's
 * pre-activations are affine in the input, Serra et al. 2018 §2, so its pattern's constraints are half-planes), hence
 * its pieces in two strips have the same pattern and share a segment of the seam: pieces with equal patterns either
 * side are one region, their polygons joined, the region criterion run again on the joined polygon (a piece's
 * interior radius can be smaller than its region's). Isomorphic: no Node APIs.
 */
import type { PlanarPartition, PlanarRegion, PartitionOptions } from "./partition.ts";
import { isUnitEdge, planarPartition } from "./partition.ts";
import { DOMAIN_EDGE, SNAP_RELATIVE, interiorPointOf, polygonArea, polygonDiameter } from "./polygon.ts";
import type { PlaneRect } from "./slice.ts";
import { rectDomain } from "./slice.ts";
import type { Network } from "../model/network.ts";

/**
 * A vertex within this distance of the seam (relative to the domain's diameter) lies on it. Vertices on a seam are
 * the strip's own corners or crossings of a line with the seam, computed as p + t (q − p) along a seam edge (exact
 * there) or by the skeleton's interpolation, so 1e3 × the clipping snap (SNAP_RELATIVE) leaves room for round-off
 * and is still far below a pixel of any picture.
 */
export const SEAM_RELATIVE = 1e3 * SNAP_RELATIVE;

/**
 * A piece's seam edge left without a partner on the other side is allowed only up to this length (relative to the
 * diameter): a region that pokes across the seam by less than the clipping snap has no piece there. A longer one
 * means the seam runs along a hyperplane of some unit (the edge should carry that unit), which the join cannot
 * label: {@link SeamDegenerate} is thrown and the caller partitions the whole rectangle at once.
 */
export const SEAM_GAP_RELATIVE = 1e-9;

/** The seam runs along a unit's hyperplane (or the strips do not match): partition the rectangle in one piece. */
export class SeamDegenerate extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeamDegenerate";
  }
}

/** `parts` vertical strips of `rect`, left to right, cut at the given seams (default: equal widths). */
export function stripRects(rect: PlaneRect, parts: number, seams?: number[]): PlaneRect[] {
  const cuts = seams ?? Array.from({ length: parts - 1 }, (_, k) => rect.umin + ((k + 1) * (rect.umax - rect.umin)) / parts);
  if (cuts.length !== parts - 1) throw new RangeError(`${parts} strips need ${parts - 1} seams, got ${cuts.length}`);
  const edges = [rect.umin, ...cuts, rect.umax];
  for (let k = 0; k < parts; k++) {
    if (!(edges[k] < edges[k + 1])) throw new RangeError(`strip seams must increase strictly inside (${rect.umin}, ${rect.umax}), got ${cuts.join(", ")}`);
  }
  return Array.from({ length: parts }, (_, k) => ({ umin: edges[k], umax: edges[k + 1], vmin: rect.vmin, vmax: rect.vmax }));
}

/** Absolute seam tolerances for a domain of this diameter: a vertex on the seam, and the longest unmatched seam edge. */
export function seamTolerances(diameter: number): { onSeam: number; gap: number } {
  return { onSeam: SEAM_RELATIVE * diameter, gap: SEAM_GAP_RELATIVE * diameter };
}

/**
 * The index of a polygon's edge on the seam u = `seam` (a domain edge whose ends are both within `onSeam` of it), or
 * −1. A convex polygon has at most one.
 */
export function seamEdgeOf(
  polygon: ArrayLike<number>,
  edges: ArrayLike<number>,
  seam: number,
  onSeam: number,
  from = 0,
  to = edges.length,
): number {
  for (let i = from; i < to; i++) {
    if (edges[i] !== DOMAIN_EDGE) continue;
    const j = i + 1 < to ? i + 1 : from;
    if (Math.abs(polygon[2 * i] - seam) <= onSeam && Math.abs(polygon[2 * j] - seam) <= onSeam) return i - from;
  }
  return -1;
}

/** A pattern as a string key (patterns of a few hundred seam pieces). */
function keyOf(pattern: Uint8Array): string {
  let s = "";
  for (let i = 0; i < pattern.length; i++) s += String.fromCharCode(48 + pattern[i]);
  return s;
}

/** Vertical extent (v of the two ends, low first) of a polygon's seam edge. */
function seamSpan(p: PlanarRegion, e: number): [number, number] {
  const n = p.edges.length, f = e + 1 < n ? e + 1 : 0;
  const a = p.polygon[2 * e + 1], b = p.polygon[2 * f + 1];
  return a < b ? [a, b] : [b, a];
}

/**
 * Join a region's two pieces across the seam: `L` left of it (its seam edge `eL` runs upwards), `R` right of it
 * (`eR` runs downwards). Where a line crosses the seam, the two copies of the crossing are dropped (the edges either
 * side carry the same unit, or both the domain's boundary); where the seam passes through a vertex of the region
 * (different labels either side), the left piece's copy of it is kept.
 */
function joinPolygons(L: PlanarRegion, eL: number, R: PlanarRegion, eR: number): { poly: Float64Array; labels: Int32Array } {
  const nL = L.edges.length, nR = R.edges.length;
  const xs: number[] = [], labels: number[] = [];
  // Walk L from the top end of its seam edge (vertex eL + 1) round to its bottom end (vertex eL), then R from its
  // bottom end (eR + 1) round to its top end (eR). Vertex k's outgoing label is pushed with it.
  const push = (x: number, y: number, label: number) => {
    xs.push(x, y);
    labels.push(label);
  };
  const lv = (k: number) => ((k % nL) + nL) % nL, rv = (k: number) => ((k % nR) + nR) % nR;
  const bottomIn = L.edges[lv(eL - 1)], bottomOut = R.edges[rv(eR + 1)];
  const topIn = R.edges[rv(eR - 1)], topOut = L.edges[lv(eL + 1)];
  const keepTop = topIn !== topOut, keepBottom = bottomIn !== bottomOut;
  if (keepTop) push(L.polygon[2 * lv(eL + 1)], L.polygon[2 * lv(eL + 1) + 1], topOut);
  for (let k = eL + 2; k <= eL + nL - 1; k++) {
    const v = lv(k);
    push(L.polygon[2 * v], L.polygon[2 * v + 1], L.edges[v]);
  }
  // L's bottom seam vertex: kept with the label of R's edge leaving it, else dropped (the previous edge runs on).
  if (keepBottom) push(L.polygon[2 * lv(eL)], L.polygon[2 * lv(eL) + 1], bottomOut);
  for (let k = eR + 2; k <= eR + nR - 1; k++) {
    const v = rv(k);
    push(R.polygon[2 * v], R.polygon[2 * v + 1], R.edges[v]);
  }
  // R's top seam vertex is dropped either way (L's copy is first, or the edge into it runs on to L's next vertex).
  // When the top crossing is dropped, the edge from R's last pushed vertex runs to L's vertex eL + 2 with label topIn
  // (= topOut), which is what R's last pushed vertex carries already.
  return { poly: Float64Array.from(xs), labels: Int32Array.from(labels) };
}

/** The result of {@link joinSeamPieces}. */
export interface SeamJoin {
  /** Joined regions and slivers (by the region criterion on the joined polygon), each one polygon of the whole. */
  joined: PlanarRegion[];
  /** Which of the left and right pieces were joined (the rest stay as they are). */
  leftUsed: Uint8Array;
  rightUsed: Uint8Array;
}

/**
 * Join the pieces that touch a seam from its left and its right: pieces with equal patterns are one region. The
 * joined polygon's output map is the larger piece's (one affine map on the region); area, interior point and radius
 * are those of the joined polygon, as `planarPartition` measures them. Throws {@link SeamDegenerate} when a seam
 * edge longer than the gap tolerance has no partner, when a pattern has two pieces on one side, or when partners do
 * not share a segment of the seam.
 */
export function joinSeamPieces(left: PlanarRegion[], right: PlanarRegion[], seam: number, threshold: number, diameter: number): SeamJoin {
  const { onSeam, gap } = seamTolerances(diameter);
  const leftUsed = new Uint8Array(left.length), rightUsed = new Uint8Array(right.length);
  const byPattern = new Map<string, { k: number; e: number }>();
  for (let k = 0; k < left.length; k++) {
    const e = seamEdgeOf(left[k].polygon, left[k].edges, seam, onSeam);
    if (e < 0) continue;
    const key = keyOf(left[k].pattern);
    if (byPattern.has(key)) throw new SeamDegenerate(`two pieces left of the seam u = ${seam} have one pattern`);
    byPattern.set(key, { k, e });
  }
  const joined: PlanarRegion[] = [];
  const seenRight = new Set<string>();
  for (let k = 0; k < right.length; k++) {
    const R = right[k], eR = seamEdgeOf(R.polygon, R.edges, seam, onSeam);
    if (eR < 0) continue;
    const key = keyOf(R.pattern);
    if (seenRight.has(key)) throw new SeamDegenerate(`two pieces right of the seam u = ${seam} have one pattern`);
    seenRight.add(key);
    const partner = byPattern.get(key);
    const [r0, r1] = seamSpan(R, eR);
    if (!partner) {
      if (r1 - r0 > gap) throw new SeamDegenerate(`the seam u = ${seam} runs along a hyperplane (an unmatched seam edge of length ${r1 - r0})`);
      continue;
    }
    const L = left[partner.k];
    const [l0, l1] = seamSpan(L, partner.e);
    if (Math.min(l1, r1) - Math.max(l0, r0) <= 0) throw new SeamDegenerate(`pieces of one pattern do not share a segment of the seam u = ${seam}`);
    leftUsed[partner.k] = 1;
    rightUsed[k] = 1;
    const { poly, labels } = joinPolygons(L, partner.e, R, eR);
    const n = labels.length;
    // Region criterion as planarPartition applies it (src/geometry/partition.ts, finish): unit edges count.
    const { point, radius } = interiorPointOf(poly, labels, n, threshold, isUnitEdge);
    joined.push({ polygon: poly, edges: labels, pattern: L.pattern, output: L.area >= R.area ? L.output : R.output, area: polygonArea(poly, n), point, radius });
  }
  for (const { k, e } of byPattern.values()) {
    if (leftUsed[k]) continue;
    const [l0, l1] = seamSpan(left[k], e);
    if (l1 - l0 > gap) throw new SeamDegenerate(`the seam u = ${seam} runs along a hyperplane (an unmatched seam edge of length ${l1 - l0})`);
  }
  return { joined, leftUsed, rightUsed };
}

/**
 * Join the partitions of two adjacent rectangles (left: u ≤ seam, right: u ≥ seam, the same v range and threshold)
 * into the partition of their union: the same regions, patterns and polygons (as point sets) as `planarPartition`
 * of the union. Regions come in the order left's, right's, joined; slivers likewise.
 */
export function mergeAcrossSeam(left: PlanarPartition, right: PlanarPartition, seam: number): PlanarPartition {
  const lp = left.domain.poly, rp = right.domain.poly;
  const union: PlaneRect = {
    umin: Math.min(...[0, 2, 4, 6].map((i) => lp[i])),
    umax: Math.max(...[0, 2, 4, 6].map((i) => rp[i])),
    vmin: Math.min(lp[1], lp[3], lp[5], lp[7]),
    vmax: Math.max(lp[1], lp[3], lp[5], lp[7]),
  };
  const domain = rectDomain(union);
  const diameter = polygonDiameter(domain.poly, domain.labels.length);
  const L = [...left.regions, ...left.slivers], R = [...right.regions, ...right.slivers];
  const { joined, leftUsed, rightUsed } = joinSeamPieces(L, R, seam, left.threshold, diameter);
  const regions: PlanarRegion[] = [], slivers: PlanarRegion[] = [];
  L.forEach((p, k) => {
    if (!leftUsed[k]) (k < left.regions.length ? regions : slivers).push(p);
  });
  R.forEach((p, k) => {
    if (!rightUsed[k]) (k < right.regions.length ? regions : slivers).push(p);
  });
  for (const p of joined) (p.radius > left.threshold ? regions : slivers).push(p);
  return {
    domain,
    domainArea: polygonArea(domain.poly, domain.labels.length),
    regions,
    slivers,
    threshold: left.threshold,
    units: left.units,
    peakPieces: Math.max(left.peakPieces, right.peakPieces),
  };
}

/**
 * The planar partition of `rect` computed strip by strip (`parts` vertical strips, or cut at `seams`) and joined
 * across the seams; equal to `planarPartition(model, rect)` (same regions and patterns, polygons as point sets).
 * `partition` computes one strip (default `planarPartition`; the explorer gives each strip to its own worker). When
 * a seam runs along a hyperplane the rectangle is partitioned at once instead.
 */
export function planarPartitionInStrips(
  model: Network,
  rect: PlaneRect,
  parts: number,
  opts: PartitionOptions & { seams?: number[]; partition?: (model: Network, rect: PlaneRect, opts: PartitionOptions) => PlanarPartition } = {},
): PlanarPartition {
  const strips = stripRects(rect, parts, opts.seams);
  const partition = opts.partition ?? planarPartition;
  const pieces = strips.map((s) => partition(model, s, { threshold: opts.threshold }));
  try {
    let merged = pieces[0];
    for (let k = 1; k < strips.length; k++) merged = mergeAcrossSeam(merged, pieces[k], strips[k].umin);
    return merged;
  } catch (err) {
    if (!(err instanceof SeamDegenerate)) throw err;
    return partition(model, rect, opts);
  }
}
