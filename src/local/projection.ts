/**
 * Euclidean distance from a point to a polyhedron P = {x : a_i · x ≥ b_i (i < m), lo ≤ x ≤ hi}, by the dual of the
 * projection problem min ½‖x − x0‖² over P, with the box kept in the inner minimisation:
 *
 *   D(λ) = min_{lo ≤ x ≤ hi} ½‖x − x0‖² − λ · (A x − b),  λ ≥ 0,  minimiser x(λ) = clamp(x0 + Aᵀλ, lo, hi),
 *
 * a concave, continuously differentiable, piecewise-quadratic function of m variables (m = the number of hyperplanes,
 * tens at most, however large the input dimension): ∇D = b − A x(λ), generalised Hessian −A_F A_Fᵀ (F the
 * coordinates x(λ) does not clamp). It is maximised by projected Newton steps (Bertsekas 1982) with an Armijo search.
 *
 * Every answer is certified both ways: weak duality gives √(2 D(λ)) ≤ dist for any λ ≥ 0, and a point of P (x(λ)
 * itself, or x(λ) moved towards a known interior point until it satisfies every row) gives dist ≤ ‖x − x0‖. A
 * question "dist < r?" stops as soon as one certificate settles it. In low dimensions (≤ ACTIVE_SET_MAX_DIM) the
 * projection itself comes from the Goldfarb–Idnani active-set method and the dual only certifies it. Core-safe (no
 * Node APIs); written for this job because HiGHS's QP solver took ~0.4 s on one 784-dimensional projection
 * (measured) and stopped with status −1 on a 30-dimensional one; HiGHS is the test oracle.
 */
import { goldfarbIdnani } from "./goldfarb-idnani.ts";

/**
 * A point is taken as inside the half-space a · x ≥ b (unit normal a) when a · x − b ≥ −FEASIBILITY_TOL. Round-off
 * of a · x with |x_j| ≤ O(1) in up to ~10³ dimensions is ~10⁻¹³; 10⁻¹¹ leaves a margin and sits far below the
 * counting threshold (10⁻⁸), so it decides only distances within about 10⁻¹¹ of a radius (more in a thin wedge of a
 * cell, where that slack moves the nearest point by 10⁻¹¹ over the sine of the wedge's angle).
 */
export const FEASIBILITY_TOL = 1e-11;

/**
 * The search stops when the certified bounds agree to this relative gap, (upper − lower) ≤ DISTANCE_REL_TOL · (1 +
 * upper): well below any radius a user asks about, well above the round-off of the dual value.
 */
export const DISTANCE_REL_TOL = 1e-10;

/** Newton iterations before giving up (each is an m×m solve); the tests converge in at most a few dozen. */
export const MAX_NEWTON_ITERATIONS = 200;

/**
 * Up to this input dimension the projection is computed by the primal-dual active-set method of Goldfarb & Idnani
 * (exact and finite, with the box as constraints), and the dual ascent only certifies it: in low dimensions a cell has
 * many more hyperplanes than coordinates, the dual's Newton matrix is singular and the ascent crawls (measured: 200
 * iterations without convergence on most cells of a 2-input net with 64 units). Above it the box makes the active-set
 * method slow (hundreds of active bounds) while the dual, with few rows, converges in a handful of steps.
 */
export const ACTIVE_SET_MAX_DIM = 64;

/** Armijo sufficient-increase constant. */
const ARMIJO = 1e-4;
/** Smallest step tried by the line search before it falls back to a projected-gradient step. */
const MIN_STEP = 1e-12;
/**
 * Relative ridge added to the m×m Newton matrix: rows whose free coordinates are (nearly) dependent make it singular;
 * 1e-12 of its largest diagonal keeps Cholesky stable and changes the step negligibly (the line search corrects it).
 */
const RIDGE = 1e-12;

/** Result of {@link projectOntoPolyhedron}. */
export interface ProjectionResult {
  /** Certified: every point of P is at least this far from x0 (Infinity: P is empty, or farther than `decide`'s cap). */
  lower: number;
  /** Distance of `point`, a point of P (Infinity when none was found). */
  upper: number;
  /** A point of P at distance `upper` (within {@link FEASIBILITY_TOL} of every row), when found. */
  point?: Float64Array;
  /** The dual multipliers reached (a warm start for a similar problem). */
  lambda: Float64Array;
  iterations: number;
  /** False when the iteration limit stopped the search before the bounds met (or before `decide` was settled). */
  converged: boolean;
}

/** Options of {@link projectOntoPolyhedron}. */
export interface ProjectionOptions {
  /** Only decide whether dist < decide: stop as soon as lower ≥ decide or upper < decide is certified. */
  decide?: number;
  /**
   * Give up with lower = Infinity once the dual value proves dist ≥ cap (an empty P makes D unbounded, so a finite
   * cap is how emptiness is detected; the box diameter plus the distance from x0 to the box plus 1 always applies).
   */
  cap?: number;
  /** A point of P with min_i (a_i · x − b_i)/‖a_i‖ > 0: near-feasible points are repaired towards it. */
  interior?: ArrayLike<number>;
  /** Dual warm start (entries beyond m ignored, missing ones 0). */
  lambda?: ArrayLike<number>;
  maxIterations?: number;
}

/**
 * Euclidean distance from x0 to {x : rows · x ≥ rhs, lo ≤ x ≤ hi} (rows m × n row-major, any scale; zero rows are
 * checked and dropped), with certified lower and upper bounds. See the module comment for the method.
 */
export function projectOntoPolyhedron(
  x0: ArrayLike<number>,
  rows: ArrayLike<number>,
  rhs: ArrayLike<number>,
  m: number,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  opts: ProjectionOptions = {},
): ProjectionResult {
  const n = x0.length;
  // Normalise the rows (violations are then distances) and drop zero rows (0 ≥ b: empty when b > 0).
  const keep: number[] = [];
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += rows[i * n + j] ** 2;
    if (s > 0) keep.push(i);
    else if (rhs[i] > 0) return { lower: Infinity, upper: Infinity, lambda: new Float64Array(m), iterations: 0, converged: true };
  }
  const k = keep.length;
  const A = new Float64Array(k * n), b = new Float64Array(k);
  keep.forEach((i, r) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += rows[i * n + j] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < n; j++) A[r * n + j] = rows[i * n + j] * inv;
    b[r] = rhs[i] * inv;
  });
  const solver = new DualProjection(x0, A, b, k, lo, hi);
  let res: ProjectionResult;
  if (n <= ACTIVE_SET_MAX_DIM) res = solver.activeSet(opts);
  else {
    const lam0 = new Float64Array(k);
    if (opts.lambda) keep.forEach((i, r) => (lam0[r] = Math.max(0, opts.lambda![i] ?? 0)));
    res = solver.run(lam0, opts);
  }
  const lambda = new Float64Array(m);
  keep.forEach((i, r) => (lambda[i] = res.lambda[r]));
  return { ...res, lambda };
}

/** The dual ascent on normalised rows. */
class DualProjection {
  private readonly c: Float64Array; // Aᵀλ
  private readonly x: Float64Array; // x(λ)
  private readonly r: Float64Array; // A x(λ) − b
  private readonly free: Uint8Array;
  private readonly capDefault: number;

  constructor(
    private readonly x0: ArrayLike<number>,
    private readonly A: Float64Array,
    private readonly b: Float64Array,
    private readonly m: number,
    private readonly lo: ArrayLike<number>,
    private readonly hi: ArrayLike<number>,
  ) {
    const n = x0.length;
    this.c = new Float64Array(n);
    this.x = new Float64Array(n);
    this.r = new Float64Array(m);
    this.free = new Uint8Array(n);
    let diam = 0, out = 0;
    for (let j = 0; j < n; j++) {
      diam += (hi[j] - lo[j]) ** 2;
      const v = x0[j] < lo[j] ? lo[j] - x0[j] : x0[j] > hi[j] ? x0[j] - hi[j] : 0;
      out += v * v;
    }
    // Every point of P lies in the box, so within this distance of x0 (+1: a distance equal to it is not "beyond").
    this.capDefault = Math.sqrt(diam) + Math.sqrt(out) + 1;
  }

  /** Evaluate D at λ, filling x(λ), r = A x(λ) − b and the free set. */
  private evaluate(lam: Float64Array): number {
    const { A, b, m, x0, lo, hi, c, x, r, free } = this;
    const n = x0.length;
    c.fill(0);
    for (let i = 0; i < m; i++) {
      const li = lam[i];
      if (li === 0) continue;
      const base = i * n;
      for (let j = 0; j < n; j++) c[j] += li * A[base + j];
    }
    let half = 0;
    for (let j = 0; j < n; j++) {
      const z = x0[j] + c[j];
      let v: number;
      if (z <= lo[j]) {
        v = lo[j];
        free[j] = 0;
      } else if (z >= hi[j]) {
        v = hi[j];
        free[j] = 0;
      } else {
        v = z;
        free[j] = 1;
      }
      x[j] = v;
      half += (v - x0[j]) ** 2;
    }
    let dual = 0.5 * half, size = 0.5 * half;
    for (let i = 0; i < m; i++) {
      let s = -b[i], mag = Math.abs(b[i]);
      const base = i * n;
      for (let j = 0; j < n; j++) {
        const t = A[base + j] * x[j];
        s += t;
        mag += Math.abs(t);
      }
      r[i] = s;
      dual -= lam[i] * s;
      size += lam[i] * (mag + Math.abs(s));
    }
    // Round-off of the sums above: each of the at most n + m + 4 roundings in a term's chain is ≤ ε of the magnitudes
    // summed (Higham, Accuracy and Stability of Numerical Algorithms, §3.1); the lower bounds subtract it.
    this.dualError = (n + m + 4) * Number.EPSILON * size;
    return dual;
  }

  /** The round-off bound of the last `evaluate` (see there). */
  private dualError = 0;

  /** Certified lower bound on the distance from the dual value D just computed by `evaluate`. */
  private lowerFrom(D: number): number {
    return Math.sqrt(Math.max(0, 2 * (D - this.dualError)));
  }

  /** Largest violation max_i (b_i − a_i · p) of a point (rows normalised), −∞ without rows. */
  private violation(p: ArrayLike<number>): number {
    const { A, b, m } = this;
    const n = p.length;
    let worst = -Infinity;
    for (let i = 0; i < m; i++) {
      let s = b[i];
      for (let j = 0; j < n; j++) s -= A[i * n + j] * p[j];
      if (s > worst) worst = s;
    }
    return worst;
  }

  /** A point of P near x(λ) and its distance, or undefined. */
  private primalPoint(interior: ArrayLike<number> | undefined): { p: Float64Array; d: number } | undefined {
    const { x, x0 } = this;
    const n = x.length;
    let viol = -Infinity;
    for (let i = 0; i < this.m; i++) viol = Math.max(viol, -this.r[i]);
    let p: Float64Array;
    if (viol <= FEASIBILITY_TOL) p = Float64Array.from(x);
    else {
      if (!interior) return undefined;
      const margin = -this.violation(interior);
      if (!(margin > 0)) return undefined;
      // (1 − θ)·(−viol) + θ·margin ≥ 0 on every row for θ = viol / (viol + margin): a convex combination stays in P.
      const theta = Math.min(1, viol / (viol + margin));
      p = new Float64Array(n);
      for (let j = 0; j < n; j++) p[j] = Math.min(this.hi[j], Math.max(this.lo[j], x[j] + theta * (interior[j] - x[j])));
      if (this.violation(p) > FEASIBILITY_TOL) return undefined;
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += (p[j] - x0[j]) ** 2;
    return { p, d: Math.sqrt(s) };
  }

  /**
   * Solve with the Goldfarb–Idnani active-set method (box bounds as constraints), then certify: the dual value at its
   * multipliers is the lower bound, its point (repaired if needed) the upper bound.
   */
  activeSet(opts: ProjectionOptions): ProjectionResult {
    const { A, b, m, lo, hi } = this;
    const n = this.x0.length;
    const rows: number[] = [], rhs: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) rows.push(A[i * n + j]);
      rhs.push(b[i]);
    }
    for (let j = 0; j < n; j++) {
      for (const s of [1, -1]) {
        const bound = s > 0 ? lo[j] : hi[j];
        if (!Number.isFinite(bound)) continue;
        for (let t = 0; t < n; t++) rows.push(t === j ? s : 0);
        rhs.push(s * bound);
      }
    }
    const gi = goldfarbIdnani(this.x0, Float64Array.from(rows), Float64Array.from(rhs), rhs.length);
    const lam = Float64Array.from(gi.u.subarray(0, m));
    const cap = Math.min(opts.cap ?? Infinity, this.capDefault);
    if (gi.status === "infeasible") {
      // Weak duality along the Farkas direction y: D(s·y) grows linearly in s when P is empty, so some s proves
      // dist ≥ cap. The box rows' part of y is not needed: the box is kept in D's inner minimisation.
      const y = gi.farkas!.subarray(0, m), trial = new Float64Array(m);
      for (let s = 1; s < 1e30; s *= 4) {
        for (let i = 0; i < m; i++) trial[i] = s * y[i];
        if (this.evaluate(trial) - this.dualError >= 0.5 * cap * cap) return { lower: Infinity, upper: Infinity, lambda: trial, iterations: gi.iterations, converged: true };
      }
    }
    // An unproven "infeasible" or an iteration limit: let the dual ascent decide, warm-started from the multipliers.
    if (gi.status !== "optimal") return this.run(lam, opts);
    const D = this.evaluate(lam);
    let lower = this.lowerFrom(D);
    // Certify the active-set point itself (x(λ) of the dual agrees with it only up to round-off).
    this.x.set(gi.x);
    for (let i = 0; i < m; i++) {
      let s = -b[i];
      for (let j = 0; j < n; j++) s += A[i * n + j] * gi.x[j];
      this.r[i] = s;
    }
    const primal = this.primalPoint(opts.interior);
    const upper = primal ? primal.d : Infinity;
    if (lower >= cap) lower = Infinity;
    const settled = lower === Infinity || closeEnough(lower, upper) ||
      (opts.decide !== undefined && (lower >= opts.decide || upper < opts.decide));
    if (!settled) {
      // The active-set answer is not certified tightly enough (round-off on nearly dependent rows): go on with the
      // dual ascent from its multipliers, keeping the better of both brackets.
      const more = this.run(lam, opts);
      const better = more.upper < upper;
      return {
        lower: Math.max(lower, more.lower),
        upper: better ? more.upper : upper,
        point: better ? more.point : primal?.p,
        lambda: more.lambda,
        iterations: gi.iterations + more.iterations,
        converged: more.converged,
      };
    }
    return {
      lower,
      upper: lower === Infinity ? Infinity : upper,
      point: lower === Infinity ? undefined : primal?.p,
      lambda: lam,
      iterations: gi.iterations,
      converged: lower === Infinity || (gi.status === "optimal" && closeEnough(lower, upper)),
    };
  }

  /**
   * Backtracking (Armijo) along λ(α) = max(0, λ + α d) over the multipliers idx[0 … count) (d[p] for idx[p]), from
   * α = start down to MIN_STEP · start. On success λ is updated in place and the new dual value returned.
   */
  private armijo(
    lam: Float64Array,
    D: number,
    grad: Float64Array,
    idx: Int32Array,
    dir: Float64Array,
    count: number,
    start: number,
    trial: Float64Array,
  ): number | undefined {
    for (let alpha = start; alpha >= MIN_STEP * start; alpha *= 0.5) {
      trial.set(lam);
      let ascent = 0;
      for (let p = 0; p < count; p++) {
        const i = idx[p];
        trial[i] = Math.max(0, lam[i] + alpha * dir[p]);
        ascent += grad[i] * (trial[i] - lam[i]);
      }
      const D2 = this.evaluate(trial);
      if (D2 >= D + ARMIJO * ascent && D2 > D) {
        lam.set(trial);
        return D2;
      }
    }
    return undefined;
  }

  run(lam: Float64Array, opts: ProjectionOptions): ProjectionResult {
    const { m } = this;
    const n = this.x0.length;
    const cap = Math.min(opts.cap ?? Infinity, this.capDefault);
    const decide = opts.decide;
    const maxIt = opts.maxIterations ?? MAX_NEWTON_ITERATIONS;
    let lower = 0, upper = Infinity;
    let point: Float64Array | undefined;
    let D = this.evaluate(lam);
    const trial = new Float64Array(m), dir = new Float64Array(m), grad = new Float64Array(m);
    const S = new Int32Array(m);
    const allRows = Int32Array.from({ length: m }, (_, i) => i);
    const M = new Float64Array(m * m);
    let it = 0;
    for (;; it++) {
      lower = Math.max(lower, this.lowerFrom(D));
      const primal = this.primalPoint(opts.interior);
      if (primal && primal.d < upper) {
        upper = primal.d;
        point = primal.p;
      }
      const done = (conv: boolean) => ({ lower, upper, point, lambda: lam, iterations: it, converged: conv });
      if (lower >= cap) return { ...done(true), lower: Infinity };
      if (decide !== undefined && (lower >= decide || upper < decide)) return done(true);
      if (closeEnough(lower, upper)) return done(true);
      if (it >= maxIt) return done(false);

      // Gradient of D and the projected-Newton active set: λ_i at 0 with a non-positive slope stays at 0.
      let ns = 0, pgNorm = 0;
      for (let i = 0; i < m; i++) {
        grad[i] = -this.r[i];
        const pg = lam[i] > 0 ? grad[i] : Math.max(0, grad[i]);
        pgNorm = Math.max(pgNorm, Math.abs(pg));
        if (lam[i] > 0 || grad[i] > 0) S[ns++] = i;
      }
      if (ns === 0 || pgNorm === 0) {
        // Stationary: D is at its maximum, so lower is the distance; x(λ) is then feasible up to round-off.
        return done(point !== undefined);
      }
      // Newton matrix on the free multipliers: M = A_{S,F} A_{S,F}ᵀ (+ ridge).
      let maxDiag = 0;
      for (let p = 0; p < ns; p++) {
        const ap = S[p] * n;
        for (let q = 0; q <= p; q++) {
          const aq = S[q] * n;
          let s = 0;
          for (let j = 0; j < n; j++) if (this.free[j]) s += this.A[ap + j] * this.A[aq + j];
          M[p * ns + q] = s;
          M[q * ns + p] = s;
        }
        maxDiag = Math.max(maxDiag, M[p * ns + p]);
      }
      const ridge = RIDGE * maxDiag + 1e-300;
      for (let p = 0; p < ns; p++) M[p * ns + p] += ridge;
      for (let p = 0; p < ns; p++) dir[p] = grad[S[p]];
      const newton = choleskySolve(M, ns, dir);
      // Line search along the projected path λ(α) = max(0, λ + α d).
      let next: number | undefined;
      if (newton) {
        // A row whose coordinates are all clamped has a ridge-sized curvature and a huge step: start where no
        // multiplier moves by more than the cap (multipliers are distances in scale: x − x0 = Aᵀλ on free coordinates).
        let big = 0;
        for (let p = 0; p < ns; p++) big = Math.max(big, Math.abs(dir[p]));
        next = this.armijo(lam, D, grad, S, dir, ns, Math.min(1, (cap + 1) / big), trial);
      }
      // Else a projected gradient step: D is concave with a Lipschitz gradient (constant ≤ ‖A‖² ≤ m).
      next ??= this.armijo(lam, D, grad, allRows, grad, m, 1 / Math.max(1, m), trial);
      const accepted = next !== undefined;
      if (next !== undefined) D = next;
      if (!accepted) {
        this.evaluate(lam);
        it++;
        lower = Math.max(lower, this.lowerFrom(D));
        return { lower, upper, point, lambda: lam, iterations: it, converged: closeEnough(lower, upper) };
      }
    }
  }
}

/** Whether certified bounds on a distance agree to {@link DISTANCE_REL_TOL}. */
function closeEnough(lower: number, upper: number): boolean {
  return upper < Infinity && upper - lower <= DISTANCE_REL_TOL * (1 + upper);
}

/** Solve M y = v in place in v (M symmetric positive definite, k × k, row-major; M is overwritten). */
function choleskySolve(M: Float64Array, k: number, v: Float64Array): boolean {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = M[i * k + j];
      for (let q = 0; q < j; q++) s -= M[i * k + q] * M[j * k + q];
      if (i === j) {
        if (!(s > 0)) return false;
        M[i * k + i] = Math.sqrt(s);
      } else M[i * k + j] = s / M[j * k + j];
    }
  }
  for (let i = 0; i < k; i++) {
    let s = v[i];
    for (let q = 0; q < i; q++) s -= M[i * k + q] * v[q];
    v[i] = s / M[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = v[i];
    for (let q = i + 1; q < k; q++) s -= M[q * k + i] * v[q];
    v[i] = s / M[i * k + i];
  }
  return true;
}
