/**
 * Two-dimensional slices of a network with any number of inputs: the plane x = o + u·a + v·b, composed into the
 * first layer so that the slice is itself a 2-input network of (u, v) with the same hidden units and patterns.
 * "The plane through three inputs" follows SplineCam (Humayun et al., CVPR 2023): o = x1, a = x2 − x1, b = x3 − x1,
 * so x1, x2, x3 sit at (u, v) = (0, 0), (1, 0), (0, 1). Isomorphic: no Node APIs.
 */
import type { Box, Network } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";
import { DOMAIN_EDGE, KEPT_WHOLE, SNAP_RELATIVE, clipHalfPlane, polygonArea, polygonDiameter, rectanglePolygon } from "./polygon.ts";

/** A plane in input space: x = origin + u·a + v·b. */
export interface Slice {
  origin: Float64Array;
  a: Float64Array;
  b: Float64Array;
}

/** A rectangle of plane coordinates [umin, umax] × [vmin, vmax]. */
export interface PlaneRect {
  umin: number;
  umax: number;
  vmin: number;
  vmax: number;
}

/** A convex polygon of plane coordinates (counter-clockwise, flat) with its edge labels. */
export interface PlaneDomain {
  poly: Float64Array;
  labels: Int32Array;
}

/** Margin around the three inputs of {@link sliceThrough} in its default rectangle, in plane units. */
export const THROUGH_MARGIN = 0.25;

/**
 * The input point at plane coordinates (u, v).
 */
export function slicePoint(slice: Slice, u: number, v: number, out: Float64Array = new Float64Array(slice.origin.length)): Float64Array {
  const { origin, a, b } = slice;
  for (let k = 0; k < origin.length; k++) out[k] = origin[k] + u * a[k] + v * b[k];
  return out;
}

/** Check that the slice's vectors are finite, of the network's input dimension, and span a plane. */
export function validateSlice(slice: Slice, inputDim: number): void {
  for (const [name, vec] of [["origin", slice.origin], ["a", slice.a], ["b", slice.b]] as const) {
    if (vec.length !== inputDim) throw new ModelError(`slice ${name} has ${vec.length} coordinates, the model takes ${inputDim}`);
    for (let k = 0; k < vec.length; k++) {
      if (!Number.isFinite(vec[k])) throw new ModelError(`slice ${name}: coordinate ${k} is ${vec[k]}, not a finite number`);
    }
  }
  // a and b must be linearly independent: |a|²|b|² − (a·b)² > 0 relative to |a|²|b|².
  let aa = 0, bb = 0, ab = 0;
  for (let k = 0; k < inputDim; k++) (aa += slice.a[k] ** 2), (bb += slice.b[k] ** 2), (ab += slice.a[k] * slice.b[k]);
  if (aa === 0 || bb === 0 || aa * bb - ab * ab <= 1e-12 * aa * bb) {
    throw new ModelError("slice directions a and b do not span a plane (one is zero or they are parallel)");
  }
}

/**
 * The plane through three inputs: o = x1, a = x2 − x1, b = x3 − x1, so they sit at (0, 0), (1, 0) and (0, 1).
 */
export function sliceThrough(x1: ArrayLike<number>, x2: ArrayLike<number>, x3: ArrayLike<number>): Slice {
  const n = x1.length;
  if (x2.length !== n || x3.length !== n) throw new ModelError(`the three inputs have ${x1.length}, ${x2.length} and ${x3.length} coordinates`);
  const origin = Float64Array.from(x1), a = new Float64Array(n), b = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    a[k] = x2[k] - x1[k];
    b[k] = x3[k] - x1[k];
  }
  return { origin, a, b };
}

/** Default rectangle of {@link sliceThrough}: the unit triangle's bounding box with {@link THROUGH_MARGIN} around it. */
export function throughRect(margin = THROUGH_MARGIN): PlaneRect {
  return { umin: -margin, umax: 1 + margin, vmin: -margin, vmax: 1 + margin };
}

/**
 * The 2-input network (u, v) ↦ net(o + u·a + v·b): the first layer becomes W' = [W a, W b], b' = W o + b; every
 * other layer is shared. Its activation patterns at (u, v) are the original's at the slice point.
 */
export function sliceNetwork(net: Network, slice: Slice): Network {
  validateSlice(slice, net.inputDim);
  const first = net.layers[0], n0 = net.inputDim;
  const weights = new Float64Array(first.outDim * 2), bias = new Float64Array(first.outDim);
  for (let r = 0; r < first.outDim; r++) {
    let wa = 0, wb = 0, wo = first.bias[r];
    for (let k = 0; k < n0; k++) {
      const w = first.weights[r * n0 + k];
      wa += w * slice.a[k];
      wb += w * slice.b[k];
      wo += w * slice.origin[k];
    }
    weights[2 * r] = wa;
    weights[2 * r + 1] = wb;
    bias[r] = wo;
  }
  return { inputDim: 2, layers: [{ ...first, inDim: 2, weights, bias }, ...net.layers.slice(1)] };
}

/** A rectangle as a plane domain. */
export function rectDomain(rect: PlaneRect): PlaneDomain {
  return rectanglePolygon(rect.umin, rect.umax, rect.vmin, rect.vmax);
}

/**
 * The part of the rectangle whose slice points lie in the input box: the rectangle clipped by the 2·n0 half-planes
 * lo_k ≤ o_k + u·a_k + v·b_k ≤ hi_k (a convex polygon; for MNIST in [0, 1]^784 it is the set of slice points that
 * are images at all). Returns undefined when the plane misses the box inside the rectangle.
 */
export function clipToBox(rect: PlaneRect, slice: Slice, box: Box): PlaneDomain | undefined {
  const n0 = slice.origin.length;
  const rectangle = rectDomain(rect);
  // Each half-plane adds at most one vertex.
  const cap = 4 + 2 * n0;
  let poly = new Float64Array(2 * cap), labels = new Int32Array(cap);
  let out = new Float64Array(2 * cap), outLabels = new Int32Array(cap);
  poly.set(rectangle.poly);
  labels.set(rectangle.labels);
  let n = 4;
  const side = new Int8Array(cap);
  const snap = SNAP_RELATIVE * polygonDiameter(rectangle.poly, 4);
  const keep = (ax: number, ay: number, c: number): void => {
    // A coordinate constant along the plane satisfies its bound everywhere (kept whole) or nowhere (0).
    const m = clipHalfPlane(poly, labels, n, ax, ay, c, DOMAIN_EDGE, snap, side, out, outLabels);
    if (m === KEPT_WHOLE) return;
    n = m;
    [poly, out] = [out, poly];
    [labels, outLabels] = [outLabels, labels];
  };
  for (let k = 0; k < n0 && n > 0; k++) {
    const ak = slice.a[k], bk = slice.b[k], ok = slice.origin[k];
    keep(ak, bk, ok - box.lo[k]);
    if (n > 0) keep(-ak, -bk, box.hi[k] - ok);
  }
  if (n < 3 || polygonArea(poly, n) <= 0) return undefined;
  return { poly: poly.slice(0, 2 * n), labels: labels.slice(0, n) };
}

/**
 * Whether the input box may be too narrow, seen from this rectangle, for `clipToBox` to resolve: the clip snaps
 * vertices closer than SNAP_RELATIVE × the rectangle's diameter, and a sliver that wide in the plane spans up to
 * |a_k| + |b_k| times that along input k. When that reaches the box's narrowest side, an undefined `clipToBox` may
 * mean "too small at this scale" rather than "the plane misses the box".
 */
export function boxBelowClipResolution(rect: PlaneRect, slice: Slice, box: Box): boolean {
  const snap = SNAP_RELATIVE * polygonDiameter(rectDomain(rect).poly, 4);
  let stretch = 0, narrowest = Infinity;
  for (let k = 0; k < slice.origin.length; k++) {
    stretch = Math.max(stretch, Math.abs(slice.a[k]) + Math.abs(slice.b[k]));
    narrowest = Math.min(narrowest, box.hi[k] - box.lo[k]);
  }
  return !(snap * stretch < narrowest);
}
