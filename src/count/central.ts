/**
 * One point for all the sign patterns of k hyperplanes. If a point p of a cell lies on k hyperplanes with linearly
 * independent unit normals c_1 … c_k, with margin g_i > 0 from each of the cell's rows, then for every sign vector
 * s ∈ {−1, +1}^k the point p + τ·V·s, where C·V = I on the coordinates that p leaves strictly inside the box, is on side
 * s_j of hyperplane j for every j and still inside the cell for a small enough τ > 0: all 2^k children of the cell
 * are full-dimensional, certified by one linear program (the one that finds p) instead of one per child.
 *
 * `centralMargin` computes a margin every such point is guaranteed, from directly computed quantities: the margins
 * of p, the residuals h_j(p), the products of the cell's rows with V, and the residual C·V − I of the inverse.
 */

/** Coordinates with less room than this to both bounds of the box (relative to its width) are not moved. */
export const CENTRAL_MIN_SLACK = 1e-9;
/** A Gram matrix pivot below this (unit normals, so relative) means the normals are numerically dependent. */
export const CENTRAL_MIN_PIVOT = 1e-10;
/**
 * Allowance for the round-off in the guaranteed margin, per input dimension and unit of box size: the residuals and
 * C·V are sums of n0 products of unit-normal entries and coordinates, each off by at most about 1e-16 of its size, so
 * 1e-14 · n0 · (largest |bound|) covers them with room (7.8e-12 for 784 inputs in [0, 1]); a certificate is accepted
 * only when its margin clears the threshold by more than that.
 */
export const CENTRAL_ROUNDOFF = 1e-14;

/** Buffers for {@link centralMargin}, allocated once for at most `maxK` hyperplanes in dimension n0. */
export class CentralWorkspace {
  readonly free: Int32Array; // coordinates moved (strictly inside the box)
  readonly slack: Float64Array;
  readonly gram: Float64Array; // k × k, then its Cholesky factor
  readonly inv: Float64Array; // k × k inverse of the Gram matrix
  readonly v: Float64Array; // |F| × k: V restricted to the free coordinates, row per free coordinate
  readonly q: Float64Array; // k: one cell row times V
  freeCount = 0;
  /** The step τ of the last successful call. */
  tau = 0;
  constructor(readonly n0: number, readonly maxK: number) {
    this.free = new Int32Array(n0);
    this.slack = new Float64Array(n0);
    this.gram = new Float64Array(maxK * maxK);
    this.inv = new Float64Array(maxK * maxK);
    this.v = new Float64Array(n0 * maxK);
    this.q = new Float64Array(maxK);
  }
}

/**
 * The margin guaranteed to every point p + τ·V·s (s ∈ {±1}^k), or −∞ when no certificate can be built (too few free
 * coordinates, dependent normals). `normals` holds the k unit normals (k × n0 row-major), `residual[j]` = h_j(p);
 * `rows` the cell's m rows (m × n0, unit normals) with `margins[i]` = row i's margin at p. Leaves V and τ in `ws`.
 */
export function centralMargin(
  ws: CentralWorkspace,
  p: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  normals: Float64Array,
  residual: Float64Array,
  k: number,
  rows: Float64Array,
  margins: Float64Array,
  m: number,
): number {
  const n0 = ws.n0, free = ws.free, slack = ws.slack;
  let f = 0, scale = 1;
  for (let j = 0; j < n0; j++) {
    scale = Math.max(scale, Math.abs(lo[j]), Math.abs(hi[j]));
    const room = Math.min(p[j] - lo[j], hi[j] - p[j]);
    if (room > CENTRAL_MIN_SLACK * (hi[j] - lo[j])) {
      free[f] = j;
      slack[f] = room;
      f++;
    }
  }
  ws.freeCount = f;
  if (f < k) return -Infinity;
  // Gram matrix of the normals on the free coordinates, its Cholesky factor and inverse.
  const G = ws.gram, Ginv = ws.inv;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let t = 0; t < f; t++) s += normals[a * n0 + free[t]] * normals[b * n0 + free[t]];
      G[a * k + b] = s;
    }
  }
  if (!choleskyInPlace(G, k)) return -Infinity;
  // Ginv = L^{-T} L^{-1}, column by column: solve L y = e_c, then L^T z = y.
  for (let c = 0; c < k; c++) {
    for (let a = 0; a < k; a++) {
      let s = a === c ? 1 : 0;
      for (let b = 0; b < a; b++) s -= G[a * k + b] * Ginv[b * k + c];
      Ginv[a * k + c] = s / G[a * k + a];
    }
    for (let a = k - 1; a >= 0; a--) {
      let s = Ginv[a * k + c];
      for (let b = a + 1; b < k; b++) s -= G[b * k + a] * Ginv[b * k + c];
      Ginv[a * k + c] = s / G[a * k + a];
    }
  }
  // V = C_F^T Ginv (row per free coordinate) and how far each free coordinate moves per unit τ (Σ_l |V_tl|).
  const V = ws.v;
  let tauBox = Infinity;
  for (let t = 0; t < f; t++) {
    const j = free[t];
    let reach = 0;
    for (let l = 0; l < k; l++) {
      let s = 0;
      for (let a = 0; a < k; a++) s += normals[a * n0 + j] * Ginv[a * k + l];
      V[t * k + l] = s;
      reach += Math.abs(s);
    }
    if (reach > 0) tauBox = Math.min(tauBox, slack[t] / reach);
  }
  // How far C·V is from the identity: hyperplane j moves by τ(s_j + Σ_l E_jl s_l) ≥ τ(1 − Σ_l |E_jl|).
  const q = ws.q;
  let worst = 0, hmax = 0;
  for (let a = 0; a < k; a++) {
    let err = 0;
    for (let l = 0; l < k; l++) {
      let s = 0;
      for (let t = 0; t < f; t++) s += normals[a * n0 + free[t]] * V[t * k + l];
      err += Math.abs(s - (a === l ? 1 : 0));
    }
    worst = Math.max(worst, err);
    hmax = Math.max(hmax, Math.abs(residual[a]));
  }
  if (!(worst < 0.5)) return -Infinity;
  // Each cell row i moves by at most τ Σ_l |(R_i V)_l|; keep at least half of its margin.
  let tau = tauBox, cellFloor = Infinity;
  for (let i = 0; i < m; i++) {
    q.fill(0, 0, k);
    for (let t = 0; t < f; t++) {
      const r = rows[i * n0 + free[t]];
      if (r === 0) continue;
      for (let l = 0; l < k; l++) q[l] += r * V[t * k + l];
    }
    let spread = 0;
    for (let l = 0; l < k; l++) spread += Math.abs(q[l]);
    if (spread > 0) tau = Math.min(tau, margins[i] / (2 * spread));
    cellFloor = Math.min(cellFloor, margins[i]);
  }
  if (!(tau > 0) || tau === Infinity) return -Infinity;
  ws.tau = tau;
  return Math.min(cellFloor / 2, tau * (1 - worst) - hmax) - CENTRAL_ROUNDOFF * n0 * scale;
}

/**
 * Cholesky factor L (lower triangle, row-major k × k) of the symmetric matrix whose lower triangle is in G, in place.
 * False when a pivot is at most CENTRAL_MIN_PIVOT: for Gram matrices of unit normals, numerically dependent normals.
 */
export function choleskyInPlace(G: Float64Array, k: number): boolean {
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = G[a * k + b];
      for (let c = 0; c < b; c++) s -= G[a * k + c] * G[b * k + c];
      if (a === b) {
        if (!(s > CENTRAL_MIN_PIVOT)) return false;
        G[a * k + a] = Math.sqrt(s);
      } else G[a * k + b] = s / G[b * k + b];
    }
  }
  return true;
}

/** Write p + τ·V·s into `out`, s_l = +1 where bit l of `signs` is set, else −1 (clipped into the box). */
export function centralPoint(
  ws: CentralWorkspace,
  p: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  k: number,
  signs: number,
  out: Float64Array,
): void {
  out.set(p);
  const V = ws.v, free = ws.free, tau = ws.tau;
  for (let t = 0; t < ws.freeCount; t++) {
    let s = 0;
    for (let l = 0; l < k; l++) s += (signs >> l) & 1 ? V[t * k + l] : -V[t * k + l];
    const j = free[t];
    out[j] = Math.min(hi[j], Math.max(lo[j], p[j] + tau * s));
  }
}
