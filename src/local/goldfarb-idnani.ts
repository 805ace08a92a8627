/**
 * The dual active-set method of Goldfarb & Idnani (1983, "A numerically stable dual method for solving strictly
 * convex quadratic programs", Math. Programming 27) for the projection min ½‖x − x0‖² s.t. c_i · x ≥ d_i: the Hessian
 * is the identity, so J = Q of the QR factorisation N = Q R of the active normals. Starting from the unconstrained
 * minimiser x0 it adds the most violated constraint, taking partial steps that drop constraints whose multipliers
 * would turn negative; every iterate is optimal for its active set, the objective only grows, and it ends at the
 * projection or with a proof that the constraints are inconsistent. Finite, exact up to round-off, and fast when the
 * dimension is small (the factorisation is rebuilt from scratch, O(n q²), at each change). Core-safe.
 */

/** A constraint is violated when c · x − d < −GI_FEASIBILITY_TOL (unit normals): round-off level for O(1) data. */
export const GI_FEASIBILITY_TOL = 1e-12;
/**
 * A primal step direction shorter than this (the sine of the angle between the new unit normal and the span of the
 * active ones) counts as zero: the normal is taken as dependent. 1e-10 keeps the Gram–Schmidt basis well conditioned.
 */
const ZERO_STEP = 1e-10;
/** Dual step components at or below this are not blocking. */
const ZERO_DUAL = 1e-14;

/** Result of {@link goldfarbIdnani}. */
export interface ActiveSetResult {
  status: "optimal" | "infeasible" | "limit";
  x: Float64Array;
  /** Multiplier of every constraint (0 off the active set). */
  u: Float64Array;
  /**
   * When infeasible: y ≥ 0 with yᵀC ≈ 0 and yᵀd > 0 (a Farkas certificate, up to round-off: the violated normal is the
   * combination −r of active normals with r ≤ 0).
   */
  farkas?: Float64Array;
  iterations: number;
}

/**
 * Project x0 onto {x : C x ≥ d} (C p × n row-major with unit rows). Returns the projection and its multipliers,
 * "infeasible" when the constraints have no common point, or "limit" after `maxIterations` changes of the active set.
 */
export function goldfarbIdnani(
  x0: ArrayLike<number>,
  C: Float64Array,
  d: Float64Array,
  p: number,
  maxIterations = 50 * (p + x0.length),
): ActiveSetResult {
  const n = x0.length;
  const x = Float64Array.from(x0);
  const act: number[] = [];
  let u: number[] = [];
  const Q = new Float64Array(n * n); // columns 0..q−1: orthonormal basis of the active normals (column-major)
  const R = new Float64Array(n * n); // q × q upper triangular, row-major with stride n
  let q = 0;
  const z = new Float64Array(n), w = new Float64Array(n), r = new Float64Array(n);
  const slack = (i: number) => {
    let s = -d[i];
    for (let j = 0; j < n; j++) s += C[i * n + j] * x[j];
    return s;
  };
  /** Rebuild Q, R from the active normals by modified Gram–Schmidt with one reorthogonalisation. */
  const refactor = () => {
    q = act.length;
    R.fill(0);
    for (let k = 0; k < q; k++) {
      const col = Q.subarray(k * n, (k + 1) * n);
      col.set(C.subarray(act[k] * n, (act[k] + 1) * n));
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < k; j++) {
          const qj = Q.subarray(j * n, (j + 1) * n);
          let dot = 0;
          for (let t = 0; t < n; t++) dot += qj[t] * col[t];
          R[j * n + k] += dot;
          for (let t = 0; t < n; t++) col[t] -= dot * qj[t];
        }
      }
      let norm = 0;
      for (let t = 0; t < n; t++) norm += col[t] * col[t];
      norm = Math.sqrt(norm);
      R[k * n + k] = norm;
      for (let t = 0; t < n; t++) col[t] /= norm;
    }
  };
  /**
   * z = (I − Q Qᵀ) np (primal step), r = R⁻¹ Qᵀ np (dual step). Two passes of modified Gram–Schmidt on z: one pass
   * leaves a component along the active normals of about ε‖np‖, which a full step of length −slack/‖z‖² turns into a
   * drift of the active constraints off their planes when np is nearly dependent on them (‖z‖ small).
   */
  const directions = (np: Float64Array) => {
    z.set(np);
    w.fill(0, 0, q);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < q; k++) {
        const qk = Q.subarray(k * n, (k + 1) * n);
        let dot = 0;
        for (let t = 0; t < n; t++) dot += qk[t] * z[t];
        w[k] += dot;
        for (let t = 0; t < n; t++) z[t] -= dot * qk[t];
      }
    }
    for (let k = q - 1; k >= 0; k--) {
      let s = w[k];
      for (let j = k + 1; j < q; j++) s -= R[k * n + j] * r[j];
      r[k] = s / R[k * n + k];
    }
  };
  const drop = (k: number, uplus: number[]) => {
    act.splice(k, 1);
    uplus.splice(k, 1);
    refactor();
  };
  let it = 0;
  for (;;) {
    // Step 1: the most violated constraint.
    let pick = -1, worst = -GI_FEASIBILITY_TOL;
    for (let i = 0; i < p; i++) {
      const s = slack(i);
      if (s < worst) {
        worst = s;
        pick = i;
      }
    }
    if (pick < 0) return done("optimal");
    const np = C.subarray(pick * n, (pick + 1) * n);
    const uplus = [...u, 0];
    // Step 2: move until the new constraint is satisfied (full step) or an active multiplier reaches 0 (partial step).
    for (;;) {
      if (++it > maxIterations) return done("limit");
      directions(np);
      let t1 = Infinity, k = -1;
      for (let j = 0; j < q; j++) {
        if (r[j] > ZERO_DUAL) {
          const ratio = uplus[j] / r[j];
          if (ratio < t1) {
            t1 = ratio;
            k = j;
          }
        }
      }
      // zᵀn⁺ = ‖z‖² since z is n⁺'s projection off the active span; ‖z‖² is never negative, while the dot product
      // with n⁺ can come out negative by cancellation when n⁺ is nearly dependent, and a negative step wrecks the method.
      let zz = 0;
      for (let t = 0; t < n; t++) zz += z[t] * z[t];
      const t2 = q < n && Math.sqrt(zz) > ZERO_STEP ? -slack(pick) / zz : Infinity;
      const t = Math.min(t1, t2);
      if (t === Infinity) {
        const y = new Float64Array(p);
        act.forEach((i, k) => (y[i] = Math.max(0, -r[k])));
        y[pick] = 1;
        return { ...done("infeasible"), farkas: y };
      }
      for (let j = 0; j < q; j++) uplus[j] -= t * r[j];
      uplus[q] += t;
      if (t2 !== Infinity) for (let j = 0; j < n; j++) x[j] += t * z[j];
      if (t2 <= t1) {
        act.push(pick);
        u = uplus;
        refactor();
        break;
      }
      drop(k, uplus);
    }
  }
  function done(status: ActiveSetResult["status"]): ActiveSetResult {
    const all = new Float64Array(p);
    act.forEach((i, k) => (all[i] = Math.max(0, u[k] ?? 0)));
    return { status, x, u: all, iterations: it };
  }
}
