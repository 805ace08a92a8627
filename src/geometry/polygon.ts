/**
 * Convex polygons in the plane as flat arrays: vertices `[x0, y0, x1, y1, …]` in counter-clockwise order, with one
 * label per edge (`labels[i]` belongs to the edge from vertex i to vertex i + 1). Labels say where an edge came
 * from: {@link DOMAIN_EDGE} for the domain's boundary, otherwise whatever the caller clipped with (a hidden unit's
 * index, a class pair). Functions write into caller-owned buffers and allocate nothing, so hot loops can reuse them.
 * Isomorphic: no Node APIs.
 */

/** Label of an edge that lies on the boundary of the domain (not on any unit's hyperplane). */
export const DOMAIN_EDGE = -1;

/**
 * Two vertices closer than this (relative to the domain's diameter) to a clipping line count as lying on it. It
 * absorbs the round-off of intersecting O(1) lines (≈ 1e-16 relative) with four orders of magnitude to spare, and
 * stays four orders of magnitude below the interior threshold (1e-8), so a piece it discards could never have
 * counted as a region; it keeps clipping from producing slivers made of round-off.
 */
export const SNAP_RELATIVE = 1e-12;

/**
 * An affine form a·p + c whose gradient is shorter than this is constant on the plane (the sign of c decides).
 * Same reasoning as the engine's ZERO_ROW_NORM: compositions of O(1) weights only get this small when a row is
 * exactly zero up to round-off.
 */
export const ZERO_GRADIENT = 1e-12;

/** Maximum number of vertices a piece may reach: clipping a k-gon by r half-planes gives at most k + r vertices. */
export function clipCapacity(vertices: number, clips: number): number {
  return vertices + clips;
}

/** Twice the signed area (shoelace formula); positive for counter-clockwise order. */
function twiceSignedArea(poly: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) s += poly[2 * j] * poly[2 * i + 1] - poly[2 * i] * poly[2 * j + 1];
  return s;
}

/** Area of a polygon with `n` vertices (shoelace formula; positive for counter-clockwise order). */
export function polygonArea(poly: ArrayLike<number>, n: number): number {
  return twiceSignedArea(poly, n) / 2;
}

/**
 * Centroid of a polygon with non-zero area, written to `out[0..1]`. Vertices are taken relative to vertex 0 so that
 * polygons far from the origin lose no precision.
 */
export function polygonCentroid(poly: ArrayLike<number>, n: number, out: Float64Array = new Float64Array(2)): Float64Array {
  const x0 = poly[0], y0 = poly[1];
  let a2 = 0, cx = 0, cy = 0;
  for (let i = 1; i + 1 < n; i++) {
    const ax = poly[2 * i] - x0, ay = poly[2 * i + 1] - y0;
    const bx = poly[2 * i + 2] - x0, by = poly[2 * i + 3] - y0;
    const cross = ax * by - bx * ay;
    a2 += cross;
    cx += cross * (ax + bx);
    cy += cross * (ay + by);
  }
  if (a2 === 0) {
    // Degenerate: the vertex average.
    let sx = 0, sy = 0;
    for (let i = 0; i < n; i++) (sx += poly[2 * i]), (sy += poly[2 * i + 1]);
    out[0] = sx / n;
    out[1] = sy / n;
    return out;
  }
  out[0] = x0 + cx / (3 * a2);
  out[1] = y0 + cy / (3 * a2);
  return out;
}

/** Axis-aligned rectangle [umin, umax] × [vmin, vmax] as a counter-clockwise polygon with domain-edge labels. */
export function rectanglePolygon(umin: number, umax: number, vmin: number, vmax: number): { poly: Float64Array; labels: Int32Array } {
  return {
    poly: Float64Array.of(umin, vmin, umax, vmin, umax, vmax, umin, vmax),
    labels: Int32Array.of(DOMAIN_EDGE, DOMAIN_EDGE, DOMAIN_EDGE, DOMAIN_EDGE),
  };
}

/** Largest distance between two vertices (the diameter of a convex polygon). */
export function polygonDiameter(poly: ArrayLike<number>, n: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) d = Math.max(d, Math.hypot(poly[2 * i] - poly[2 * j], poly[2 * i + 1] - poly[2 * j + 1]));
  }
  return d;
}

/**
 * Side of each vertex relative to the line g(p) = ax·x + ay·y + c = 0, written to `side` (+1: g > snap·|a|,
 * −1: g < −snap·|a|, 0: on the line within `snap`). Returns a bit mask: 1 if some vertex is strictly positive,
 * 2 if some vertex is strictly negative. A form with a (near-)zero gradient is constant: every vertex takes the
 * sign of c (0 counts as negative, as a ReLU pattern does).
 */
export function classifyVertices(
  poly: ArrayLike<number>,
  n: number,
  ax: number,
  ay: number,
  c: number,
  snap: number,
  side: Int8Array,
): number {
  const norm = Math.hypot(ax, ay);
  if (norm < ZERO_GRADIENT) {
    const s = c > 0 ? 1 : -1;
    side.fill(s, 0, n);
    return s > 0 ? 1 : 2;
  }
  const tol = snap * norm;
  let mask = 0;
  for (let i = 0; i < n; i++) {
    const g = ax * poly[2 * i] + ay * poly[2 * i + 1] + c;
    const s = g > tol ? 1 : g < -tol ? -1 : 0;
    side[i] = s;
    if (s > 0) mask |= 1;
    else if (s < 0) mask |= 2;
  }
  return mask;
}

/**
 * Sutherland–Hodgman against one half-plane: keep the part of the convex polygon where `sign`·g ≥ 0, with
 * g(p) = ax·x + ay·y + c and vertex sides from {@link classifyVertices} (call it first). New edges along the line
 * get `label`. Writes to `out`/`outLabels` (capacity n + 1 vertices) and returns the number of vertices, 0 when
 * the kept part has no interior (no vertex strictly on the kept side).
 */
export function clipBySide(
  poly: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  ax: number,
  ay: number,
  c: number,
  side: Int8Array,
  sign: 1 | -1,
  label: number,
  out: Float64Array,
  outLabels: Int32Array,
): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const sp = side[i] * sign, sq = side[j] * sign;
    const px = poly[2 * i], py = poly[2 * i + 1];
    if (sp >= 0) {
      out[2 * m] = px;
      out[2 * m + 1] = py;
      // The edge leaving p stays on the polygon's edge unless it heads out (then it runs along the line).
      outLabels[m] = sq < 0 && sp === 0 ? label : labels[i];
      m++;
      if (sp > 0 && sq < 0) {
        const q = intersect(px, py, poly[2 * j], poly[2 * j + 1], ax, ay, c);
        out[2 * m] = q[0];
        out[2 * m + 1] = q[1];
        outLabels[m] = label;
        m++;
      }
    } else if (sq > 0) {
      const q = intersect(px, py, poly[2 * j], poly[2 * j + 1], ax, ay, c);
      out[2 * m] = q[0];
      out[2 * m + 1] = q[1];
      outLabels[m] = labels[i];
      m++;
    }
  }
  return m;
}

const crossing = new Float64Array(2);

/** Where the segment p→q crosses g = 0 (p and q strictly on opposite sides). */
function intersect(px: number, py: number, qx: number, qy: number, ax: number, ay: number, c: number): Float64Array {
  const gp = ax * px + ay * py + c, gq = ax * qx + ay * qy + c;
  const t = gp / (gp - gq);
  crossing[0] = px + t * (qx - px);
  crossing[1] = py + t * (qy - py);
  return crossing;
}

/** {@link clipHalfPlane} result: the whole polygon is on the kept side (nothing was written). */
export const KEPT_WHOLE = -1;

/**
 * Clip a convex polygon by the half-plane ax·x + ay·y + c ≥ 0 (one Sutherland–Hodgman pass), new edges labelled
 * `label`. Returns {@link KEPT_WHOLE} when nothing is cut away (`out` untouched), 0 when no interior is left, else
 * the vertex count written to `out`/`outLabels` (room for n + 1 vertices; `side` is scratch of length ≥ n).
 * `snap` is an absolute distance (see {@link SNAP_RELATIVE}). A form with a zero gradient is a constant c: kept
 * whole when c ≥ 0 (`strict`: c > 0), else dropped.
 */
export function clipHalfPlane(
  poly: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  ax: number,
  ay: number,
  c: number,
  label: number,
  snap: number,
  side: Int8Array,
  out: Float64Array,
  outLabels: Int32Array,
  strict = false,
): number {
  if (Math.hypot(ax, ay) < ZERO_GRADIENT) return (strict ? c > 0 : c >= 0) ? KEPT_WHOLE : 0;
  const mask = classifyVertices(poly, n, ax, ay, c, snap, side);
  if ((mask & 1) === 0) return 0;
  if ((mask & 2) === 0) return KEPT_WHOLE;
  const m = clipBySide(poly, labels, n, ax, ay, c, side, 1, label, out, outLabels);
  return m < 3 ? 0 : m;
}

/** Is the edge label one whose line the interior radius is measured from? */
export type SoftEdge = (label: number) => boolean;

/** Every edge counts (the plain largest inscribed circle). */
export const ALL_EDGES: SoftEdge = () => true;

/** Smallest distance from (x, y) to the lines of the soft edges (Infinity when there are none); negative outside. */
export function edgeMargin(poly: ArrayLike<number>, labels: ArrayLike<number>, n: number, x: number, y: number, soft: SoftEdge = ALL_EDGES): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    if (!soft(labels[i])) continue;
    const j = i + 1 === n ? 0 : i + 1;
    const dx = poly[2 * j] - poly[2 * i], dy = poly[2 * j + 1] - poly[2 * i + 1];
    const len = Math.hypot(dx, dy);
    if (len === 0) continue;
    // Inward normal of a counter-clockwise edge is (−dy, dx) / len.
    const d = (-dy * (x - poly[2 * i]) + dx * (y - poly[2 * i + 1])) / len;
    if (d < best) best = d;
  }
  return best;
}

/** Result of {@link chebyshevCenter}. */
export interface ChebyshevCenter {
  /** Largest r such that a disc of radius r around (x, y) inside the polygon misses every soft edge's line. */
  radius: number;
  x: number;
  y: number;
}

/**
 * Chebyshev centre of a convex polygon: maximise r subject to n_i·p − r ≥ e_i for the soft edges and n_i·p ≥ e_i
 * for the others (n_i the inward unit normal of edge i). With every edge soft this is the largest inscribed circle.
 * The LP has three variables (x, y, r) and is bounded, so an optimum sits where three constraints are tight: every
 * triple is solved and the feasible solution with the largest r kept (exact up to round-off; O(n⁴), used only on
 * the few polygons where a cheaper test cannot decide). With no soft edge the radius is Infinity (nothing to be
 * near) and the centre is the centroid.
 */
export function chebyshevCenter(poly: ArrayLike<number>, labels: ArrayLike<number>, n: number, soft: SoftEdge = ALL_EDGES): ChebyshevCenter {
  const nx = new Float64Array(n), ny = new Float64Array(n), e = new Float64Array(n), s = new Float64Array(n);
  let scale = 0, anySoft = false;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const dx = poly[2 * j] - poly[2 * i], dy = poly[2 * j + 1] - poly[2 * i + 1];
    const len = Math.hypot(dx, dy);
    if (len > 0) {
      nx[i] = -dy / len;
      ny[i] = dx / len;
    }
    e[i] = nx[i] * poly[2 * i] + ny[i] * poly[2 * i + 1];
    s[i] = len > 0 && soft(labels[i]) ? 1 : 0;
    anySoft ||= s[i] === 1;
    scale = Math.max(scale, Math.abs(poly[2 * i]), Math.abs(poly[2 * i + 1]));
  }
  if (!anySoft || n < 3) {
    const c = polygonCentroid(poly, n);
    return { radius: anySoft ? 0 : Infinity, x: c[0], y: c[1] };
  }
  // Feasibility slack for a candidate: round-off of a 3×3 solve with O(scale) coordinates.
  const tol = 1e-12 * Math.max(1, scale);
  let best: ChebyshevCenter = { radius: -Infinity, x: NaN, y: NaN };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = j + 1; k < n; k++) {
        // Solve [nx ny −s] (x, y, r)ᵀ = e for rows i, j, k by Cramer's rule.
        const a11 = nx[i], a12 = ny[i], a13 = -s[i];
        const a21 = nx[j], a22 = ny[j], a23 = -s[j];
        const a31 = nx[k], a32 = ny[k], a33 = -s[k];
        const det = a11 * (a22 * a33 - a23 * a32) - a12 * (a21 * a33 - a23 * a31) + a13 * (a21 * a32 - a22 * a31);
        if (Math.abs(det) < 1e-14) continue;
        const b1 = e[i], b2 = e[j], b3 = e[k];
        const x = (b1 * (a22 * a33 - a23 * a32) - a12 * (b2 * a33 - a23 * b3) + a13 * (b2 * a32 - a22 * b3)) / det;
        const y = (a11 * (b2 * a33 - a23 * b3) - b1 * (a21 * a33 - a23 * a31) + a13 * (a21 * b3 - b2 * a31)) / det;
        const r = (a11 * (a22 * b3 - b2 * a32) - a12 * (a21 * b3 - b2 * a31) + b1 * (a21 * a32 - a22 * a31)) / det;
        if (!(r > best.radius)) continue;
        let feasible = true;
        for (let q = 0; q < n && feasible; q++) feasible = nx[q] * x + ny[q] * y - s[q] * r >= e[q] - tol;
        if (feasible) best = { radius: r, x, y };
      }
    }
  }
  if (best.radius === -Infinity) {
    const c = polygonCentroid(poly, n);
    return { radius: 0, x: c[0], y: c[1] };
  }
  return best;
}

/**
 * The part of the line ax·x + ay·y + c = 0 inside a convex counter-clockwise polygon (Cyrus–Beck), as
 * [x0, y0, x1, y1], or undefined when the line misses it (or the form has no gradient).
 */
export function clipLineToPolygon(ax: number, ay: number, c: number, poly: ArrayLike<number>, n: number): [number, number, number, number] | undefined {
  const norm2 = ax * ax + ay * ay;
  if (norm2 < ZERO_GRADIENT * ZERO_GRADIENT) return undefined;
  // Parametrise the line as p(t) = p0 + t·d with p0 the foot of the origin and d along the line.
  const px = (-c * ax) / norm2, py = (-c * ay) / norm2, dx = -ay, dy = ax;
  let t0 = -Infinity, t1 = Infinity;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const ex = poly[2 * j] - poly[2 * i], ey = poly[2 * j + 1] - poly[2 * i + 1];
    // Inside edge i ⇔ (−ey, ex)·(p − v_i) ≥ 0.
    const nx = -ey, ny = ex;
    const num = nx * (px - poly[2 * i]) + ny * (py - poly[2 * i + 1]), den = nx * dx + ny * dy;
    if (den === 0) {
      if (num < 0) return undefined;
      continue;
    }
    const t = -num / den;
    if (den > 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 >= t1) return undefined;
  }
  return [px + t0 * dx, py + t0 * dy, px + t1 * dx, py + t1 * dy];
}

/**
 * An interior point of a convex polygon and its distance to the nearest soft edge: the centroid, or, where the
 * centroid is not more than `threshold` from a soft edge, the Chebyshev centre when that is farther in. The one rule
 * both planar partitions use to judge a region against the interior threshold.
 */
export function interiorPointOf(
  poly: ArrayLike<number>, labels: ArrayLike<number>, n: number, threshold: number, soft: SoftEdge = ALL_EDGES,
): { point: Float64Array; radius: number } {
  const point = polygonCentroid(poly, n);
  let radius = edgeMargin(poly, labels, n, point[0], point[1], soft);
  if (!(radius > threshold)) {
    // The centroid is too close to an edge to decide: the exact interior radius (3-variable LP).
    const centre = chebyshevCenter(poly, labels, n, soft);
    if (centre.radius > radius) {
      radius = centre.radius;
      point[0] = centre.x;
      point[1] = centre.y;
    }
  }
  return { point, radius };
}
