/**
 * `skeletonCount`: the regions of a 1- to 4-input network in a box from its refined 1-skeleton ({@link Skeleton}),
 * no LPs. Each final cell is one activation region (cells are cut only where a unit changes sign, so two cells never
 * share a pattern); it counts when the engine's criterion holds, i.e. some point of the cell is farther than the
 * threshold from every hyperplane of its units. A lower bound of that margin is the distance from the cell's vertex
 * centroid to its nearest facet (box facets included: every hyperplane not meeting the cell is beyond a facet), so a
 * cell counts when that distance exceeds the threshold plus {@link MARGIN_SLACK}. A cell at or below it (thin, or
 * thin only where it meets the box: the engine's ball may leave the box) is decided exactly like the engine decides
 * a cell: one margin LP over its pattern's hyperplanes ({@link decideCell}); what that cannot settle throws
 * {@link SkeletonUndecided} for a certified method to take over, so a count is never silently wrong. Isomorphic.
 */
import { ZERO_ROW_NORM } from "../count/engine.ts";
import { interiorThreshold } from "../count/session.ts";
import { LPStatus, MarginLP } from "../lp/margin-lp.ts";
import { evaluate, regionForms } from "../model/evaluate.ts";
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, unitsOf } from "../model/network.ts";
import { Skeleton, SkeletonUndecided, type SkeletonWorkspace } from "./complex.ts";

export { SkeletonUndecided, SkeletonUnsupported, SkeletonWorkspace, skeletonSupport, SKELETON_MAX_DIM } from "./complex.ts";

/**
 * Round-off allowance of the centroid–facet distance, relative to the box's diameter: vertices are interpolated in
 * floating point (a few ulps of the box's coordinates each, 1e-16 relative), so 1e-12 covers them with four orders
 * of magnitude to spare and stays far below any threshold a caller may pass (≥ 1e-12 relative is not asked for).
 */
export const MARGIN_SLACK = 1e-12;

/** One region from the skeleton. */
export interface SkeletonRegion {
  /** Activation pattern (as `evaluate` encodes it). */
  pattern: Uint8Array;
  /** The vertex centroid of the cell: an interior point. */
  point: Float64Array;
  /** The ball of this radius around `point` lies in the cell. */
  radius: number;
}

/** Options of {@link skeletonCount}. */
export interface SkeletonCountOptions {
  box: Box;
  threshold?: number;
  /** Called for each region (with its pattern): turns pattern bookkeeping on. */
  onRegion?: (region: SkeletonRegion) => void;
  /**
   * Reuse the typed arrays of the previous count made with this workspace, and leave this count's to the next
   * (repeated counts in one process allocate almost nothing). The result's `skeleton` is then readable only until the
   * workspace's next count.
   */
  workspace?: SkeletonWorkspace;
}

/** Result of {@link skeletonCount}. */
export interface SkeletonCountResult {
  method: "skeleton";
  /** Input dimension (1: the cells are intervals). */
  dim: number;
  regions: number;
  /** Size of the final complex. */
  vertices: number;
  edges: number;
  cells: number;
  /** Units whose hyperplane meets no cell (exactly stable over the box), per hidden layer. */
  stableActive: number[];
  stableInactive: number[];
  /** Cells whose centroid bound was not enough, decided by a margin LP. */
  resolved: number;
  threshold: number;
  seconds: number;
  /** The refined complex (for `--complex`). */
  skeleton: Skeleton;
}

/**
 * Count the regions of `net` in `opts.box` from its 1-skeleton. Throws `SkeletonUnsupported` for networks it does not
 * handle (more than 4 inputs, maxout of rank > 2) and `SkeletonUndecided` when round-off leaves a cell's status in
 * doubt; callers then count with the LP engine.
 *
 * @example
 * skeletonCount(net, { box: uniformBox(2, -1, 1) }).regions; // 12272 for random-2-64-64-64-s7
 */
export function skeletonCount(net: Network, opts: SkeletonCountOptions): SkeletonCountResult {
  const t0 = now();
  const threshold = interiorThreshold(opts.threshold);
  const sk = new Skeleton(net, opts.box, { patterns: opts.onRegion !== undefined, workspace: opts.workspace });
  sk.refineAll();
  const d = sk.d;
  let diam = 0;
  for (let j = 0; j < d; j++) diam += (opts.box.hi[j] - opts.box.lo[j]) ** 2;
  const cut = threshold + MARGIN_SLACK * Math.sqrt(diam);
  const point = new Float64Array(d);
  let regions = 0;
  let resolved = 0;
  let lp: MarginLP | undefined;
  const margin = d === 1 ? margin1 : d === 2 ? margin2 : d === 3 ? margin3 : marginN;
  // Counting only (no region is reported, so no radius or point is needed): a cell certified wider than the cut by a
  // cheaper test counts at once (2-D: the centroid's distance to every edge's line compared squared, no root or
  // division; 3-D: the inball of an inscribed tetrahedron, no facet search); the others take the usual path.
  const quick = !opts.onRegion && (d === 2 || d === 3);
  for (let c = 0; c < sk.cCount; c++) {
    if (quick && (d === 2 ? centroidClear2(sk, c, cut) : tetraInradius(sk, c) > cut)) {
      regions++;
      continue;
    }
    let r = margin(sk, c, point);
    if (!(r > cut)) {
      // Thin, or thin where it meets the box: decide by the pattern's margin LP.
      if (!(r > CENTROID_TRUST * Math.sqrt(diam))) {
        throw new SkeletonUndecided(`a cell of interior radius ${r.toExponential(2)} is too thin to read its pattern at its centroid`);
      }
      lp ??= new MarginLP(opts.box.lo, opts.box.hi, sk.units + 1, Math.sqrt(diam));
      r = decideCell(net, lp, point, threshold);
      resolved++;
      if (!(r > threshold)) continue;
    }
    regions++;
    if (opts.onRegion) {
      const pattern = sk.keepPatterns ? sk.P.slice(c * sk.units, (c + 1) * sk.units) : evaluate(net, point).pattern;
      opts.onRegion({ pattern, point: Float64Array.from(point), radius: r });
    }
  }
  if (opts.workspace) sk.release(opts.workspace);
  return { method: "skeleton", dim: d, regions, vertices: sk.vCount, edges: sk.eCount, cells: sk.cCount, stableActive: sk.stableActive, stableInactive: sk.stableInactive, resolved, threshold, seconds: (now() - t0) / 1000, skeleton: sk };
}

/**
 * A thin cell's pattern is read by evaluating the network at its centroid when the centroid is at least this far
 * (relative to the box's diameter) from every facet: evaluation round-off is ~1e-16 relative (a few ulps per layer),
 * so 1e-14 leaves a factor of 100 and the pattern read is the cell's own.
 */
export const CENTROID_TRUST = 1e-14;

/**
 * The engine's criterion for the region of the pattern at `point` (inside the cell): the largest margin t of a point
 * of the box from all of the pattern's unit hyperplanes (unit normals, oriented inwards), by MarginLP. Returns a
 * margin certified by a point (> threshold), or −Infinity when the dual bound proves t ≤ threshold; throws
 * SkeletonUndecided in the LP's perturbation band. On success `point` holds the maximiser.
 */
export function decideCell(net: Network, lp: MarginLP, point: Float64Array, threshold: number): number {
  const n0 = net.inputDim;
  const pattern = evaluate(net, point).pattern;
  const forms = regionForms(net, pattern).preActivations;
  lp.reset();
  const a = new Float64Array(n0);
  let offset = 0;
  hiddenLayers(net).forEach((layer, l) => {
    const { J, c } = forms[l];
    const maxout = layer.activation.kind === "maxout";
    const units = unitsOf(layer);
    for (let i = 0; i < units; i++) {
      // The hyperplane function h (g, or g1 − g0 for maxout), oriented so that the region is h ≥ 0.
      const sign = pattern[offset + i] ? 1 : -1;
      let norm = 0;
      let b = 0;
      for (let j = 0; j < n0; j++) {
        a[j] = sign * (maxout ? J[(2 * i + 1) * n0 + j] - J[2 * i * n0 + j] : J[i * n0 + j]);
        norm += a[j] * a[j];
      }
      b = sign * (maxout ? c[2 * i + 1] - c[2 * i] : c[i]);
      norm = Math.sqrt(norm);
      if (norm < ZERO_ROW_NORM) continue; // constant on the region: no hyperplane
      for (let j = 0; j < n0; j++) a[j] /= norm;
      lp.addRow(a, -b / norm);
    }
    offset += units;
  });
  const status = lp.solve(threshold);
  if (status === LPStatus.Below) return -Infinity;
  if (status === LPStatus.Optimal) {
    const w = lp.point(new Float64Array(n0));
    const margin = Math.min(lp.marginOf(w), lp.objective());
    if (margin > threshold) {
      point.set(w);
      return margin;
    }
    if (lp.dualBound() + lp.perturbationError <= threshold) return -Infinity;
  }
  throw new SkeletonUndecided(`a thin cell's margin LP did not settle it against the threshold ${threshold}`);
}

/** 1-D: the cell is one edge; its midpoint and half its length. */
function margin1(sk: Skeleton, c: number, point: Float64Array): number {
  const e = sk.cE[sk.cStart[c]];
  const a = sk.X[sk.EA[e]];
  const b = sk.X[sk.EB[e]];
  point[0] = 0.5 * (a + b);
  return 0.5 * Math.abs(b - a);
}

/** 2-D: the vertex centroid of cell c (each vertex counted twice, once per edge end) into point[0], point[1]. */
function vertexCentroid2(sk: Skeleton, c: number, point: Float64Array): void {
  const s = sk.cStart[c];
  const n = sk.cLen[c];
  const { X, EA, EB, cE } = sk;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    const e = cE[s + i];
    cx += X[2 * EA[e]] + X[2 * EB[e]];
    cy += X[2 * EA[e] + 1] + X[2 * EB[e] + 1];
  }
  point[0] = cx / (2 * n);
  point[1] = cy / (2 * n);
}

/** Scratch for {@link centroidClear2}'s centroid (counting only; one cell at a time). */
const centroidScratch = new Float64Array(2);

/** 2-D: the vertex centroid (each vertex twice) and its distance to the nearest edge's line. */
export function margin2(sk: Skeleton, c: number, point: Float64Array): number {
  const s = sk.cStart[c];
  const n = sk.cLen[c];
  const { X, EA, EB, cE } = sk;
  vertexCentroid2(sk, c, point);
  const cx = point[0];
  const cy = point[1];
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const e = cE[s + i];
    const ax = X[2 * EA[e]];
    const ay = X[2 * EA[e] + 1];
    const ux = X[2 * EB[e]] - ax;
    const uy = X[2 * EB[e] + 1] - ay;
    const len = Math.hypot(ux, uy);
    const dist = len > 0 ? Math.abs(ux * (cy - ay) - uy * (cx - ax)) / len : 0;
    if (dist < best) best = dist;
  }
  return best;
}

/**
 * 2-D, counting only: whether {@link margin2}'s distance exceeds `cut`, i.e. the vertex centroid is farther than `cut`
 * from every edge's line, tested as |u × (centroid − a)|² > cut² |u|² per edge (the same quantity squared, without the
 * root and the division; false for a zero-length edge, as margin2's distance 0).
 */
export function centroidClear2(sk: Skeleton, c: number, cut: number): boolean {
  const s = sk.cStart[c];
  const n = sk.cLen[c];
  const { X, EA, EB, cE } = sk;
  vertexCentroid2(sk, c, centroidScratch);
  const cx = centroidScratch[0];
  const cy = centroidScratch[1];
  const cut2 = cut * cut;
  for (let i = 0; i < n; i++) {
    const e = cE[s + i];
    const ax = X[2 * EA[e]];
    const ay = X[2 * EA[e] + 1];
    const ux = X[2 * EB[e]] - ax;
    const uy = X[2 * EB[e] + 1] - ay;
    const cross = ux * (cy - ay) - uy * (cx - ax);
    const len2 = ux * ux + uy * uy;
    if (!(len2 > 0 && cross * cross > cut2 * len2)) return false;
  }
  return true;
}

/**
 * 3-D: the vertex centroid and its distance to the nearest facet plane. A facet is a hyperplane id in the supports
 * of the cell's edges that carries two non-parallel edges of the cell (a hyperplane touching the cell only along an
 * edge is no facet); its normal is their cross product. Fewer than 4 facets (impossible for a 3-cell) returns 0, so
 * the LP decides.
 */
const MAX_FACETS = 64;
const facetId = new Int32Array(MAX_FACETS);
/** Per facet: a point on it, the direction of its first edge, and the best normal so far (|u × v|² / |v|²). */
const facetData = new Float64Array(MAX_FACETS * 10);
/** Per hyperplane id (+ 6): the stamp of the cell that last met it and its facet slot there. */
let facetStampOf = new Int32Array(0);
let facetSlotOf = new Int32Array(0);
let facetStamp = 0;
export function margin3(sk: Skeleton, c: number, point: Float64Array): number {
  if (facetStampOf.length < sk.units + 6) {
    facetStampOf = new Int32Array(sk.units + 6);
    facetSlotOf = new Int32Array(sk.units + 6);
    facetStamp = 0;
  }
  const stamp = ++facetStamp;
  const s = sk.cStart[c];
  const n = sk.cLen[c];
  const { X, EA, EB, cE, eSup, eSupStart, eSupLen } = sk;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  let facets = 0;
  const F = facetData;
  for (let i = 0; i < n; i++) {
    const e = cE[s + i];
    const a = 3 * EA[e];
    const b = 3 * EB[e];
    cx += X[a] + X[b];
    cy += X[a + 1] + X[b + 1];
    cz += X[a + 2] + X[b + 2];
    const vx = X[b] - X[a];
    const vy = X[b + 1] - X[a + 1];
    const vz = X[b + 2] - X[a + 2];
    const k = eSupLen[e];
    for (let j = 0; j < k; j++) {
      const h = eSup[eSupStart[e] + j];
      // The facet slot of hyperplane h in this cell (box facets −1 … −6 at 0 … 5, units after them), by stamp.
      const hi = h + 6;
      const f = facetStampOf[hi] === stamp ? facetSlotOf[hi] : facets;
      const o = f * 10;
      if (f === facets) {
        facetStampOf[hi] = stamp;
        facetSlotOf[hi] = f;
        // A new hyperplane of the cell: remember a point on it and its first edge.
        if (facets === MAX_FACETS) return 0; // more than any cell of these networks has: let the LP decide
        facetId[facets++] = h;
        F[o] = X[a];
        F[o + 1] = X[a + 1];
        F[o + 2] = X[a + 2];
        F[o + 3] = vx;
        F[o + 4] = vy;
        F[o + 5] = vz;
        F[o + 9] = 0;
        continue;
      }
      // The normal from the first edge and the edge least parallel to it.
      const ux = F[o + 3];
      const uy = F[o + 4];
      const uz = F[o + 5];
      const px = uy * vz - uz * vy;
      const py = uz * vx - ux * vz;
      const pz = ux * vy - uy * vx;
      const pp = (px * px + py * py + pz * pz) / (vx * vx + vy * vy + vz * vz || 1);
      if (pp > F[o + 9]) {
        F[o + 6] = px;
        F[o + 7] = py;
        F[o + 8] = pz;
        F[o + 9] = pp;
      }
    }
  }
  cx /= 2 * n;
  cy /= 2 * n;
  cz /= 2 * n;
  point[0] = cx;
  point[1] = cy;
  point[2] = cz;
  let best = Infinity;
  let planes = 0;
  for (let f = 0; f < facets; f++) {
    const o = f * 10;
    const uu = F[o + 3] * F[o + 3] + F[o + 4] * F[o + 4] + F[o + 5] * F[o + 5];
    // F[o + 9] = |u|² sin²(u, v) for the least parallel v. Parallel edges only (|sin| below 1e-9): a hyperplane
    // along one line of the cell, not a facet.
    if (!(F[o + 9] > 1e-18 * uu)) continue;
    planes++;
    const nx = F[o + 6];
    const ny = F[o + 7];
    const nz = F[o + 8];
    const dist = Math.abs(nx * (cx - F[o]) + ny * (cy - F[o + 1]) + nz * (cz - F[o + 2])) / Math.sqrt(nx * nx + ny * ny + nz * nz);
    if (dist < best) best = dist;
  }
  return planes >= 4 ? best : 0;
}

/**
 * 3-D: the inradius of a tetrahedron spanned by four vertices of cell c: the end points p0, p1 of its first edge, the
 * vertex p2 farthest from their line, and p3 farthest from the plane p0 p1 p2 (0 when they are coplanar). The cell is
 * convex, so the tetrahedron and its inscribed ball lie in it: the ball's centre is at least this far from every facet
 * of the cell, box facets included, and so from every hyperplane of its units — the same quantity that
 * {@link margin3}'s centroid distance bounds from below, at a fraction of its cost (no facet search). Inradius =
 * 3 · volume / surface = |det(p1 − p0, p2 − p0, p3 − p0)| / Σ over the 4 faces of |cross product| (both doubled).
 */
export function tetraInradius(sk: Skeleton, c: number): number {
  const s = sk.cStart[c];
  const n = sk.cLen[c];
  const { X, EA, EB, cE } = sk;
  const e0 = cE[s];
  const a0 = 3 * EA[e0];
  const a1 = 3 * EB[e0];
  const x0 = X[a0];
  const y0 = X[a0 + 1];
  const z0 = X[a0 + 2];
  const ux = X[a1] - x0;
  const uy = X[a1 + 1] - y0;
  const uz = X[a1 + 2] - z0;
  // p2: the end point of an edge farthest from the line p0 p1 (largest |u × (p − p0)|).
  let best = -1;
  let a2 = a0;
  for (let i = 1; i < n; i++) {
    const e = cE[s + i];
    for (let k = 0; k < 2; k++) {
      const a = 3 * (k === 0 ? EA[e] : EB[e]);
      const wx = X[a] - x0;
      const wy = X[a + 1] - y0;
      const wz = X[a + 2] - z0;
      const cx = uy * wz - uz * wy;
      const cy = uz * wx - ux * wz;
      const cz = ux * wy - uy * wx;
      const q = cx * cx + cy * cy + cz * cz;
      if (q > best) {
        best = q;
        a2 = a;
      }
    }
  }
  const vx = X[a2] - x0;
  const vy = X[a2 + 1] - y0;
  const vz = X[a2 + 2] - z0;
  const nx = uy * vz - uz * vy;
  const ny = uz * vx - ux * vz;
  const nz = ux * vy - uy * vx;
  // p3: the end point farthest from the plane p0 p1 p2 (largest |n · (p − p0)|, n = u × v).
  best = -1;
  let a3 = a0;
  for (let i = 1; i < n; i++) {
    const e = cE[s + i];
    for (let k = 0; k < 2; k++) {
      const a = 3 * (k === 0 ? EA[e] : EB[e]);
      const h = Math.abs(nx * (X[a] - x0) + ny * (X[a + 1] - y0) + nz * (X[a + 2] - z0));
      if (h > best) {
        best = h;
        a3 = a;
      }
    }
  }
  const wx = X[a3] - x0;
  const wy = X[a3 + 1] - y0;
  const wz = X[a3 + 2] - z0;
  const vol6 = Math.abs(nx * wx + ny * wy + nz * wz);
  if (!(vol6 > 0)) return 0;
  // Faces (doubled areas): p0 p1 p2 = |n|, p0 p1 p3 = |u × w|, p0 p2 p3 = |v × w|, p1 p2 p3 = |(v − u) × (w − u)|.
  const f1 = norm3(uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx);
  const f2 = norm3(vy * wz - vz * wy, vz * wx - vx * wz, vx * wy - vy * wx);
  const sx = vx - ux;
  const sy = vy - uy;
  const sz = vz - uz;
  const tx = wx - ux;
  const ty = wy - uy;
  const tz = wz - uz;
  const f3 = norm3(sy * tz - sz * ty, sz * tx - sx * tz, sx * ty - sy * tx);
  return vol6 / (norm3(nx, ny, nz) + f1 + f2 + f3);
}
const norm3 = (x: number, y: number, z: number): number => Math.sqrt(x * x + y * y + z * z);

/**
 * Any dimension (used for 4-D): the vertex centroid and its distance to the nearest facet's affine hull. A facet is a
 * hyperplane id in the supports of the cell's edges whose edges in the cell span d − 1 directions (Gram–Schmidt, a
 * direction counting when its part orthogonal to the earlier ones exceeds {@link SPAN_RELATIVE} of its length); the
 * distance is the norm of the centroid's offset from a point of the facet less its projection on those directions.
 * Fewer than d + 1 facets (impossible for a bounded d-cell) returns 0, so the LP decides.
 */
export function marginN(sk: Skeleton, c: number, point: Float64Array): number {
  const d = sk.d;
  const s = sk.cStart[c];
  const n = sk.cLen[c];
  const { X, EA, EB, cE, eSup, eSupStart, eSupLen } = sk;
  const stride = d + (d - 1) * d + 1; // a point, d − 1 orthonormal directions, and how many there are
  if (nFacetData.length < MAX_FACETS * stride) nFacetData = new Float64Array(MAX_FACETS * stride);
  const F = nFacetData;
  const dir = nDir.length >= d ? nDir : (nDir = new Float64Array(d));
  point.fill(0);
  let facets = 0;
  for (let i = 0; i < n; i++) {
    const e = cE[s + i];
    const a = d * EA[e];
    const b = d * EB[e];
    let len2 = 0;
    for (let j = 0; j < d; j++) {
      point[j] += X[a + j] + X[b + j];
      dir[j] = X[b + j] - X[a + j];
      len2 += dir[j] * dir[j];
    }
    const k = eSupLen[e];
    for (let q = 0; q < k; q++) {
      const h = eSup[eSupStart[e] + q];
      let f = 0;
      while (f < facets && facetId[f] !== h) f++;
      const o = f * stride;
      if (f === facets) {
        if (facets === MAX_FACETS) return 0; // more than any cell of these networks has: let the LP decide
        facetId[facets++] = h;
        for (let j = 0; j < d; j++) F[o + j] = X[a + j];
        F[o + stride - 1] = 0;
      }
      const have = F[o + stride - 1];
      if (have === d - 1) continue;
      // The edge's direction less its projections on the facet's directions so far.
      const w = nW.length >= d ? nW : (nW = new Float64Array(d));
      for (let j = 0; j < d; j++) w[j] = dir[j];
      for (let t = 0; t < have; t++) {
        const u = o + d + t * d;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += w[j] * F[u + j];
        for (let j = 0; j < d; j++) w[j] -= dot * F[u + j];
      }
      let ww = 0;
      for (let j = 0; j < d; j++) ww += w[j] * w[j];
      if (!(ww > SPAN_RELATIVE * SPAN_RELATIVE * len2)) continue;
      const inv = 1 / Math.sqrt(ww);
      const u = o + d + have * d;
      for (let j = 0; j < d; j++) F[u + j] = w[j] * inv;
      F[o + stride - 1] = have + 1;
    }
  }
  for (let j = 0; j < d; j++) point[j] /= 2 * n;
  let best = Infinity;
  let planes = 0;
  const r = nW.length >= d ? nW : (nW = new Float64Array(d));
  for (let f = 0; f < facets; f++) {
    const o = f * stride;
    if (F[o + stride - 1] !== d - 1) continue; // edges along a lower-dimensional face only: not a facet
    planes++;
    for (let j = 0; j < d; j++) r[j] = point[j] - F[o + j];
    for (let t = 0; t < d - 1; t++) {
      const u = o + d + t * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += r[j] * F[u + j];
      for (let j = 0; j < d; j++) r[j] -= dot * F[u + j];
    }
    let rr = 0;
    for (let j = 0; j < d; j++) rr += r[j] * r[j];
    const dist = Math.sqrt(rr);
    if (dist < best) best = dist;
  }
  return planes >= d + 1 ? best : 0;
}
/**
 * An edge direction adds to a facet's span when its part orthogonal to the span is above 1e-9 of its length (as the
 * 3-D test's |sin| > 1e-9): edges of one facet meet at angles far above round-off, parallel ones at round-off.
 */
const SPAN_RELATIVE = 1e-9;
let nFacetData = new Float64Array(0);
let nDir = new Float64Array(4);
let nW = new Float64Array(4);

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
