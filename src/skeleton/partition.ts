/**
 * `skeletonPartition`: the planar partition of a 2-input network over a rectangle built from its 2-D skeleton
 * ({@link Skeleton}), with the same output as `planarPartition` (src/geometry/partition.ts): every region as a convex
 * counter-clockwise polygon with the unit carrying each edge, its activation pattern, the output's affine map, area,
 * interior point and radius, and the polygons below the threshold kept apart as slivers. The skeleton evaluates each
 * vertex once however many cells share it and needs no per-cell composition of affine forms, which is why it is
 * faster on large networks. Isomorphic: no Node APIs.
 *
 * A polygon is a region by the criterion `planarPartition` uses (the centroid's distance to the unit edges, else the
 * exact Chebyshev centre over them), so the two return the same regions; vertices differ in the last bits (a vertex
 * is the zero of a pre-activation interpolated along an edge, not the clip of a polygon by a line), so pictures are
 * equal up to round-off, not byte for byte. The output map on a polygon is the least-squares plane through the
 * network's outputs at its vertices (the output is affine on the polygon, so the plane is exact up to round-off);
 * where the vertices are too close to collinear to fix a plane ({@link FIT_CONDITION}) it is composed from the pattern.
 */
import { interiorThreshold } from "../count/session.ts";
import type { PartitionOptions, PlanarPartition, PlanarRegion } from "../geometry/partition.ts";
import { isUnitEdge, planarPartition } from "../geometry/partition.ts";
import { DOMAIN_EDGE, interiorPointOf, polygonArea } from "../geometry/polygon.ts";
import type { PlaneDomain, PlaneRect } from "../geometry/slice.ts";
import { rectDomain } from "../geometry/slice.ts";
import { regionForms } from "../model/evaluate.ts";
import { requireLayerwise } from "../model/lower.ts";
import type { Network } from "../model/network.ts";
import { outputDim, outputWidthOf } from "../model/network.ts";
import { normaliseUnits } from "../model/normalise.ts";
import { ModelError } from "../model/validate.ts";
import { Skeleton, SkeletonUndecided, SkeletonUnsupported, skeletonSupport } from "./complex.ts";

/**
 * The vertex fit of an output map is used when det(S) ≥ FIT_CONDITION · tr(S)², S the 2×2 scatter matrix of the
 * polygon's vertices about their mean (det/tr² is the squared ratio of the polygon's thinnest to widest spread, up to
 * a factor). Vertex outputs carry round-off of ~1e-16 relative, which the fit amplifies by the inverse of that ratio:
 * 1e-8 (a spread ratio of 1e-4) keeps the fitted map within ~1e-12 of the exact one, below the public verifier's 1e-9.
 * Thinner polygons (slivers, mostly) get the map composed exactly from their pattern.
 */
export const FIT_CONDITION = 1e-8;

/**
 * Partition a rectangle of the plane into the linear regions of a 2-input network, from the 2-D skeleton. Throws
 * `SkeletonUnsupported` for networks the skeleton does not refine (maxout of rank > 2, per-unit layers) and
 * `SkeletonUndecided` when round-off leaves a cut in doubt: callers then use `planarPartition`
 * ({@link planarPartitionFast} does that).
 *
 * @example
 * skeletonPartition(net2, { umin: -1, umax: 1, vmin: -1, vmax: 1 }).regions.length; // 1557 for random-2-32-32-s5
 */
export function skeletonPartition(model: Network, rect: PlaneRect, opts: PartitionOptions = {}): PlanarPartition {
  requireLayerwise(model, "the planar partition");
  if (model.inputDim !== 2) throw new ModelError(`a planar partition needs a 2-input network, this one takes ${model.inputDim} inputs (slice it first)`);
  const why = skeletonSupport(model);
  if (why) throw new SkeletonUnsupported(why);
  // Units at unit scale (exact powers of two: the same function, patterns and regions), as planarPartition does.
  const net = normaliseUnits(model).net;
  const dom = rectDomain(rect);
  const domainArea = polygonArea(dom.poly, dom.labels.length);
  if (!(domainArea > 0)) throw new ModelError("the domain of a planar partition must be a counter-clockwise polygon with positive area");
  const threshold = interiorThreshold(opts.threshold);
  const box = { lo: Float64Array.of(rect.umin, rect.vmin), hi: Float64Array.of(rect.umax, rect.vmax) };
  const sk = new Skeleton(net, box, { patterns: true, onLayer: opts.onLayer });
  sk.refineAll();

  // The output at every vertex: W h + b, h the last hidden layer's activation of the vertex's pre-activations G.
  const last = net.layers[net.layers.length - 1];
  const outs = outputDim(net);
  const hiddenLast = net.layers[net.layers.length - 2];
  const act = hiddenLast.activation;
  const width = outputWidthOf(hiddenLast);
  const V = sk.vCount;
  const gw = sk.gw;
  const G = sk.G;
  const Y = new Float64Array(V * outs);
  const h = new Float64Array(width);
  for (let v = 0; v < V; v++) {
    const b = v * gw;
    for (let k = 0; k < width; k++) {
      if (act.kind === "maxout") {
        const g0 = G[b + 2 * k];
        const g1 = G[b + 2 * k + 1];
        h[k] = g1 > g0 ? g1 : g0;
      } else {
        const g = G[b + k];
        h[k] = g > 0 ? g : act.kind === "leaky-relu" ? act.alpha * g : 0;
      }
    }
    for (let r = 0; r < outs; r++) {
      let t = last.bias[r];
      const wb = r * width;
      for (let k = 0; k < width; k++) t += last.weights[wb + k] * h[k];
      Y[v * outs + r] = t;
    }
  }

  const regions: PlanarRegion[] = [];
  const slivers: PlanarRegion[] = [];
  const U = sk.units;
  let order = new Int32Array(64);
  let labelsOf = new Int32Array(64);
  for (let c = 0; c < sk.cCount; c++) {
    const s0 = sk.cStart[c];
    const n = sk.cLen[c];
    if (order.length < n + 1) {
      order = new Int32Array(2 * n + 2);
      labelsOf = new Int32Array(2 * n + 2);
    }
    const m = cycleOf(sk, s0, n, order, labelsOf);
    const poly = new Float64Array(2 * m);
    const labels = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      poly[2 * i] = sk.X[2 * order[i]];
      poly[2 * i + 1] = sk.X[2 * order[i] + 1];
      const id = labelsOf[i];
      labels[i] = id >= 0 ? id : DOMAIN_EDGE;
    }
    const pattern = sk.P.slice(c * U, (c + 1) * U);
    const output = fitOutput(net, poly, order, m, Y, outs, pattern);
    let area = polygonArea(poly, m);
    if (area < 0) {
      reverse(poly, labels, m);
      area = -area;
    }
    const { point, radius } = interiorPointOf(poly, labels, m, threshold, isUnitEdge);
    const region: PlanarRegion = { polygon: poly, edges: labels, pattern, output, area, point, radius };
    (radius > threshold ? regions : slivers).push(region);
  }
  return { domain: dom, domainArea, regions, slivers, threshold, units: U, peakPieces: sk.cCount };
}

/**
 * Widest hidden layer (pre-activation rows) for which {@link planarPartitionFast} uses the skeleton. The skeleton keeps
 * every vertex's pre-activations (vertices × width doubles) and interpolates them at each new vertex; clipping keeps
 * per-cell affine forms updated by rank-1 steps and cuts each cell depth first by the lines that cross it. Measured
 * after issue 31's clipping work (CPU ms, both methods alternated in one process, load average 18): the skeleton is
 * 0.5–0.95× of clipping up to 2-64-64-64-2 (trained: 154 vs 169 ms), but 1.33× on a random 2-128-128-2 (647 vs
 * 485 ms) and 2.7× on the trained 2-256-256-2 (2,361 vs 866 ms), so layers wider than 64 go to clipping.
 */
export const SKELETON_PARTITION_MAX_WIDTH = 64;

/**
 * The planar partition by the faster exact method: {@link skeletonPartition} on a rectangle (a domain whose polygon
 * is its bounding rectangle counts as one) when no hidden layer is wider than {@link SKELETON_PARTITION_MAX_WIDTH},
 * else, or when the skeleton does not handle the network or cannot settle a cut, `planarPartition` (polygon clipping
 * cell by cell). Both give the same regions.
 */
export function planarPartitionFast(model: Network, domain: PlaneRect | PlaneDomain, opts: PartitionOptions = {}): PlanarPartition {
  const rect = "poly" in domain ? rectOf(domain) : domain;
  const narrow = model.layers.slice(0, -1).every((layer) => layer.outDim <= SKELETON_PARTITION_MAX_WIDTH);
  if (rect && narrow && model.inputDim === 2 && skeletonSupport(model) === undefined) {
    try {
      return skeletonPartition(model, rect, opts);
    } catch (err) {
      if (!(err instanceof SkeletonUndecided) && !(err instanceof SkeletonUnsupported)) throw err;
    }
  }
  return planarPartition(model, domain, opts);
}

/** The rectangle a domain is, or undefined when its polygon is not exactly rectDomain of its bounding rectangle. */
function rectOf(domain: PlaneDomain): PlaneRect | undefined {
  const n = domain.labels.length;
  if (n !== 4) return undefined;
  const p = domain.poly;
  const rect = { umin: Math.min(p[0], p[2], p[4], p[6]), umax: Math.max(p[0], p[2], p[4], p[6]), vmin: Math.min(p[1], p[3], p[5], p[7]), vmax: Math.max(p[1], p[3], p[5], p[7]) };
  const r = rectDomain(rect);
  for (let i = 0; i < 8; i++) if (r.poly[i] !== p[i]) return undefined;
  for (let i = 0; i < 4; i++) if (r.labels[i] !== domain.labels[i]) return undefined;
  return rect;
}

/**
 * The cell's edges (ids at sk.cE[s0 … s0 + n)) as a cycle: vertex ids in `order`, and in `labels` the line of the edge
 * from order[i] to order[i + 1]. Returns the number of vertices (n); throws SkeletonUndecided if they do not close.
 */
function cycleOf(sk: Skeleton, s0: number, n: number, order: Int32Array, labels: Int32Array): number {
  const { cE, EA, EB, eSup, eSupStart } = sk;
  // A copy of the edge ids: the walk swaps each used edge to the front of the unused ones.
  const ids = scratchIds.length >= n ? scratchIds : (scratchIds = new Int32Array(2 * n));
  for (let i = 0; i < n; i++) ids[i] = cE[s0 + i];
  let e = ids[0];
  const start = EA[e];
  let cur = EB[e];
  order[0] = start;
  labels[0] = eSup[eSupStart[e]];
  for (let k = 1; k < n; k++) {
    order[k] = cur;
    // The unused edge at `cur` (edges k … n − 1 are unused; the used ones are swapped to the front).
    let j = k;
    while (j < n && EA[ids[j]] !== cur && EB[ids[j]] !== cur) j++;
    if (j === n) throw new SkeletonUndecided("a cell's edges do not form a cycle");
    e = ids[j];
    ids[j] = ids[k];
    ids[k] = e;
    labels[k] = eSup[eSupStart[e]];
    cur = EA[e] === cur ? EB[e] : EA[e];
  }
  if (cur !== start) throw new SkeletonUndecided("a cell's edges do not close up");
  return n;
}
let scratchIds = new Int32Array(64);

/** Reverse a polygon's orientation in place: vertices reversed, and edge i → i + 1 keeps its label. */
function reverse(poly: Float64Array, labels: Int32Array, m: number): void {
  // New vertex i = old vertex m − 1 − i; new edge i (new i → i + 1) = old edge m − 2 − i (mod m).
  const p = poly.slice();
  const l = labels.slice();
  for (let i = 0; i < m; i++) {
    const o = m - 1 - i;
    poly[2 * i] = p[2 * o];
    poly[2 * i + 1] = p[2 * o + 1];
    labels[i] = l[(((o - 1) % m) + m) % m];
  }
}

/** The output's affine map on a polygon: the least-squares plane through its vertices' outputs, or from its pattern. */
function fitOutput(net: Network, poly: Float64Array, order: Int32Array, m: number, Y: Float64Array, outs: number, pattern: Uint8Array): { rows: number; cols: number; J: Float64Array; c: Float64Array } {
  let mu = 0;
  let mv = 0;
  for (let i = 0; i < m; i++) {
    mu += poly[2 * i];
    mv += poly[2 * i + 1];
  }
  mu /= m;
  mv /= m;
  let suu = 0;
  let suv = 0;
  let svv = 0;
  for (let i = 0; i < m; i++) {
    const du = poly[2 * i] - mu;
    const dv = poly[2 * i + 1] - mv;
    suu += du * du;
    suv += du * dv;
    svv += dv * dv;
  }
  const det = suu * svv - suv * suv;
  const tr = suu + svv;
  if (!(det >= FIT_CONDITION * tr * tr)) {
    const out = regionForms(net, pattern).output;
    return { rows: out.rows, cols: 2, J: out.J, c: out.c };
  }
  const J = new Float64Array(2 * outs);
  const c = new Float64Array(outs);
  for (let r = 0; r < outs; r++) {
    let mf = 0;
    for (let i = 0; i < m; i++) mf += Y[order[i] * outs + r];
    mf /= m;
    let suf = 0;
    let svf = 0;
    for (let i = 0; i < m; i++) {
      const df = Y[order[i] * outs + r] - mf;
      suf += (poly[2 * i] - mu) * df;
      svf += (poly[2 * i + 1] - mv) * df;
    }
    const j0 = (svv * suf - suv * svf) / det;
    const j1 = (suu * svf - suv * suf) / det;
    J[2 * r] = j0;
    J[2 * r + 1] = j1;
    c[r] = mf - j0 * mu - j1 * mv;
  }
  return { rows: outs, cols: 2, J, c };
}
