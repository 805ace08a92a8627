import { mulberry32 } from "../util/random.ts";
import { instantiatePivotKernel, pivotKernelLayout, type KernelMemory, type PivotKernel } from "./pivot-kernel.ts";
import { lpProfile, now, P, profileTiming, recordSolve, STALL_TOL } from "./profile.ts";

/**
 * MarginLP: the linear program at the heart of region enumeration,
 *
 *     maximise t  subject to  a_i · x − t ≥ b_i  (i = 1..m),   lo ≤ x ≤ hi,   t ≤ tCap,
 *
 * i.e. the largest margin t by which a point x of the box satisfies m half-spaces (with unit normals a_i, t is the
 * Euclidean distance to the nearest hyperplane). These LPs have few rows (m ≤ number of hidden units) and many
 * box-bounded columns (n0 + 1), and consecutive LPs differ by one added row. That is the case a bounded-variable
 * dual simplex with a dense m × m basis inverse is built for: adding a row keeps the basis dual feasible (the new
 * slack is basic), so the child LP starts from the parent's optimal basis; with the bound-flipping ratio test
 * (Koberstein 2005, "The dual simplex method, techniques for a fast and stable implementation", §3.1.2) the box
 * columns flip between their bounds instead of entering the basis one at a time.
 *
 * Computational form: variables z = (x, t, r) with r_i = A_i (x, t), l ≤ z ≤ u, minimise −t. Columns j < n are
 * structural (x_0..x_{n0−1}, then t at index n0), columns n + i are the row activities r_i (column −e_i).
 * All buffers are allocated once; `save`/`restore` copy the state to a slot for depth-first search.
 *
 * Degeneracy: these LPs are massively dual degenerate (every x column has cost 0), and the plain dual simplex cycles
 * on them. Like production codes (HiGHS perturbs costs by default) each x column gets a fixed, deterministic cost
 * perturbation δc_j of size ≈ COST_PERTURBATION, so the solver maximises t − δc · x. Since
 * t* − δc · x* ≤ max(t − δc · x), the true maximum satisfies t* ≤ dualBound() + perturbationError with
 * perturbationError = max over the box of δc · x; callers decide exactly with that upper bound and with the margin of
 * the returned point computed directly (`marginOf`), and use an exact solver only in the band between the two.
 *
 * Speed: the pivot row (m·n multiply-adds) and the choice of ratio-test candidates run in a WebAssembly SIMD kernel
 * (pivot-kernel.wat) where one is available, about 5× faster than the same loop in JS; the JS path computes the
 * same numbers in the same order (tested bit for bit) and is used where WebAssembly SIMD is missing.
 */

/** Primal feasibility tolerance on normalised rows (margin units): 100× below the smallest interior threshold used. */
export const PRIMAL_TOL = 1e-11;
/** Dual feasibility tolerance on reduced costs: below the cost perturbation, above round-off. */
export const DUAL_TOL = 1e-13;
/** Smallest |pivot| accepted in the ratio test: rows are unit vectors, so 1e-9 is tiny but far above round-off. */
export const PIVOT_TOL = 1e-9;
/**
 * Size of the cost perturbation on the x columns: 1e-11 is 10^4 × above the round-off of reduced costs (sums of
 * ~20 products of O(1) numbers), so ties break, and small enough that E = Σ|δc_j|·range_j stays near 1e-8 for
 * n0 = 784 on [0, 1]: only LPs whose optimum lies within E of the decision threshold need the exact fallback.
 */
export const COST_PERTURBATION = 1e-11;
/**
 * Pricing weight of the row-activity columns against the structural ones (the x and t columns, weight 1). With 1,
 * the weight is the norm of the whole tableau row; the activities' part alone (the weights before, ‖e_p^T B^{-1}‖²)
 * is the textbook dual steepest edge. Measured on 16 tasks of mnist-10-12-s1 (66,474 pivots with the activities'
 * part alone): 1 → 62,280 pivots, 0.1 → 54,723, 0.01 → 49,260, 0.001 → 46,882, and 0 → 52,267 with 604 LPs left to the
 * exact solver (the structural rows span at most N1 + 1 dimensions, so G alone is singular and the weights vanish).
 * 0.01 keeps G well conditioned (smallest eigenvalue ≥ 0.01 on unit rows) at most of the gain.
 */
const SLACK_WEIGHT = 0.01;
/**
 * An updated pricing weight below this fraction of its update's last term (f² w_p) has lost most of its digits to
 * cancellation and is recomputed from scratch; weights are ≥ SLACK_WEIGHT ‖ρ_k‖² > 0, so that is always possible.
 */
const WEIGHT_FLOOR = 1e-6;
/** Refactorise the basis inverse after this many eta updates to bound error growth. */
const REFACTOR_EVERY = 40;
/** Iteration cap per solve; exceeding it reports `failed` so the caller can use an independent solver. */
const MAX_ITERATIONS = 5000;
/** Ratios closer than this count as tied in the bound-flipping ratio test (below the perturbation's spread). */
const RATIO_TIE = 1e-14;
/** Ratio test: the first pass keeps about this many of the smallest ratios (the flips' 90th percentile is ~50). */
const RATIO_TEST_PREFIX = 32;
/** Ratio test: candidates sampled to choose a pass's split. */
const RATIO_SAMPLE = 15;
/** Largest memory (bytes) the kernel's buffers may take; beyond it the JS path runs (wasm32 memory is at most 4 GiB). */
const KERNEL_MAX_BYTES = 1 << 30;

/** Options of a MarginLP. */
export interface MarginLPOptions {
  /** "auto" (default): the WebAssembly SIMD pivot kernel where available; "js": always the JS path (tests, benches). */
  kernel?: "auto" | "js";
}

export const enum LPStatus {
  /** Optimal: `objective()` is the maximal margin, `point()` a maximiser. */
  Optimal = 0,
  /** Stopped early: the dual bound proves max t ≤ the `stopAtOrBelow` value given to `solve`. */
  Below = 1,
  /** No x in the box satisfies the rows for any t (cannot happen with t free below; kept for safety). */
  Infeasible = 2,
  /** Iteration limit or numerical trouble. */
  Failed = 3,
}

interface Snapshot {
  m: number;
  solvedM: number;
  updates: number;
  binv: Float64Array;
  head: Int32Array;
  val: Float64Array;
  d: Float64Array;
  pos: Int32Array;
  upper: Uint8Array;
  /**
   * Pricing weights of basis positions [0, wM) computed from scratch for this slot's basis (−1: not yet). Rows added
   * after a restore leave the old positions' ρ_k unchanged (zero in the new columns), so their fresh weights are these
   * bits exactly: the sibling LPs that start from the slot reuse them instead of recomputing them.
   */
  wM: number;
  w: Float64Array;
}

export class MarginLP {
  /** Input dimension. */
  readonly n0: number;
  /** Structural columns: n0 + 1 (t is column n0). */
  readonly n: number;
  /** Row capacity. */
  readonly cap: number;
  /** Current number of rows. */
  m = 0;
  /** Simplex iterations over the lifetime (for statistics). */
  iterations = 0;
  /** Which pivot-row path runs: the WebAssembly SIMD kernel or plain JS. */
  readonly kernelKind: "wasm" | "js";
  private readonly kernel: PivotKernel | null;

  private readonly A: Float64Array; // cap × n, row-major; A[i, n0] = −1
  private readonly cost: Float64Array; // n: δc_j for x, −1 for t (minimisation)
  /** max of δc · x over the box: the true maximal t is at most (perturbed optimum) + this (see `dualBound`). */
  readonly perturbationError: number;
  /** Σ |δc_j| max(|lo_j|, |hi_j|): a bound on |δc · x| over the box. */
  private readonly perturbationSpan: number;
  private readonly lb: Float64Array; // n + cap
  private readonly ub: Float64Array;
  private readonly val: Float64Array; // values of all variables
  private readonly d: Float64Array; // reduced costs
  private readonly pos: Int32Array; // basis position or −1
  private readonly upper: Uint8Array; // nonbasic at upper bound
  private readonly head: Int32Array; // basis position → variable
  private readonly binv: Float64Array; // cap × cap, row-major, stride cap
  /** cap × cap: G = A A^T + SLACK_WEIGHT · I over the rows' structural coefficients (x and t), for pricing. */
  private readonly gram: Float64Array;
  /** Rows whose entries of `gram` are current (rows below stay unchanged until a row at or below is rewritten). */
  private gramRows = 0;
  /** The slot whose basis the current one is, with rows added at most (−1: pivoted, refactorised or reset since). */
  private baseSlot = -1;
  /** Pricing weights w_k = ρ_k G ρ_k^T of the basis positions (ρ_k = e_k^T B^{-1}), and a work buffer of their update. */
  private readonly weight: Float64Array;
  /** The nonzero positions of the pivot row ρ_p, in increasing order. */
  private readonly rhoNz: Int32Array;
  /** The basis positions an eta update changes (c_k ≠ 0, k ≠ p). */
  private readonly etaRows: Int32Array;
  private updates = 0;
  /** Equality rows among the current rows (their activities have lb = ub). */
  private fixedRows = 0;
  // Work buffers.
  private readonly rho: Float64Array;
  private readonly alpha: Float64Array;
  private readonly col: Float64Array;
  /** The entering column a_q gathered from A (FTRAN). */
  private readonly aq: Float64Array;
  private readonly work: Float64Array;
  private readonly cand: Int32Array;
  private readonly ratio: Float64Array;
  private readonly drop: Float64Array; // per candidate: range_j · |alpha_j|, the slope it removes when it flips
  private readonly dotX: Float64Array; // n: the vector of `rowDots`
  private readonly dotOut: Float64Array; // cap: its dot products with the rows
  private readonly order: Int32Array;
  private readonly lu: Float64Array; // cap × 2cap for refactorisation
  private readonly sorted: Int32Array;
  /** Ratio test: candidates left after a pass (ping-pong buffers), the ratio sample, and the last test's flips. */
  private readonly restA: Int32Array;
  private readonly restB: Int32Array;
  private readonly sampleBuf: Float64Array;
  private flips = 0;
  private readonly stepBuf: Float64Array;
  /** Profile: the number of rows when the current basis was last optimal (solved or restored), −1 if not. */
  private solvedM = -1;
  private readonly slots: Snapshot[] = [];

  constructor(lo: Float64Array, hi: Float64Array, capRows: number, tCap: number, options: MarginLPOptions = {}) {
    const n0 = lo.length;
    this.n0 = n0;
    this.n = n0 + 1;
    this.cap = Math.max(1, capRows);
    const nv = this.n + this.cap;
    // The arrays the pivot kernel reads and writes live in its memory (16-byte aligned), or in the JS heap.
    const { offsets, bytes } = pivotKernelLayout(this.n, this.cap);
    let kernel = options.kernel === "js" || bytes > KERNEL_MAX_BYTES ? null : instantiatePivotKernel();
    let buffer: ArrayBuffer | undefined;
    if (kernel) {
      try {
        buffer = growTo(kernel.memory, bytes);
      } catch {
        kernel = null; // the memory could not grow (address space): the JS path runs
      }
    }
    this.kernel = kernel;
    this.kernelKind = kernel ? "wasm" : "js";
    buffer ??= new ArrayBuffer(bytes);
    const [oA, oRho, oAlpha, oPos, oUpper, oD, oLb, oUb, oCand, oRatio, oDrop, oX, oOut, oIdx, oRestA, oRestB, oNz] = offsets;
    this.A = new Float64Array(buffer, oA, this.cap * this.n);
    this.rho = new Float64Array(buffer, oRho, this.cap);
    this.alpha = new Float64Array(buffer, oAlpha, nv);
    this.pos = new Int32Array(buffer, oPos, nv);
    this.upper = new Uint8Array(buffer, oUpper, nv);
    this.d = new Float64Array(buffer, oD, nv);
    this.lb = new Float64Array(buffer, oLb, nv);
    this.ub = new Float64Array(buffer, oUb, nv);
    this.cand = new Int32Array(buffer, oCand, nv);
    this.ratio = new Float64Array(buffer, oRatio, nv);
    this.drop = new Float64Array(buffer, oDrop, nv);
    this.dotX = new Float64Array(buffer, oX, this.n);
    this.dotOut = new Float64Array(buffer, oOut, this.cap);
    kernel?.layout(oA, oRho, oAlpha, oPos, oUpper, oD, oLb, oUb, oCand, oRatio, oDrop, this.n, oX, oOut, oNz);
    this.val = new Float64Array(nv);
    this.head = new Int32Array(this.cap);
    this.binv = new Float64Array(this.cap * this.cap);
    this.gram = new Float64Array(this.cap * this.cap);
    this.weight = new Float64Array(this.cap);
    this.rhoNz = new Int32Array(this.cap);
    this.etaRows = new Int32Array(this.cap);
    this.col = new Float64Array(this.cap);
    this.aq = new Float64Array(this.cap);
    this.work = new Float64Array(this.cap);
    this.order = new Int32Array(nv);
    this.lu = new Float64Array(this.cap * 2 * this.cap);
    this.sorted = new Int32Array(buffer, oIdx, nv);
    this.restA = new Int32Array(buffer, oRestA, nv);
    this.restB = new Int32Array(buffer, oRestB, nv);
    this.sampleBuf = new Float64Array(RATIO_SAMPLE);
    this.stepBuf = new Float64Array(nv);
    for (let j = 0; j < n0; j++) {
      this.lb[j] = lo[j];
      this.ub[j] = hi[j];
    }
    this.lb[n0] = -Infinity;
    this.ub[n0] = tCap;
    // Deterministic perturbation (a fixed seed): the same LP always takes the same path.
    this.cost = new Float64Array(this.n);
    const rand = mulberry32(0x9e3779b9);
    let err = 0, span = 0;
    for (let j = 0; j < n0; j++) {
      const sign = rand() < 0.5 ? -1 : 1;
      this.cost[j] = sign * COST_PERTURBATION * (1 + rand());
      err += Math.max(this.cost[j] * lo[j], this.cost[j] * hi[j]);
      span += Math.abs(this.cost[j]) * Math.max(Math.abs(lo[j]), Math.abs(hi[j]));
    }
    this.perturbationSpan = span;
    this.cost[n0] = -1;
    this.perturbationError = err;
    this.reset();
  }

  /** Remove every row: x at its lower bounds, t at its cap (optimal for the empty LP). */
  reset(): void {
    const { n, n0 } = this;
    this.m = 0;
    this.updates = 0;
    this.fixedRows = 0;
    this.solvedM = -1;
    this.baseSlot = -1;
    for (let j = 0; j < n0; j++) {
      // Dual feasible start: each x on the bound its perturbed cost prefers.
      this.pos[j] = -1;
      this.upper[j] = this.cost[j] < 0 ? 1 : 0;
      this.val[j] = this.upper[j] ? this.ub[j] : this.lb[j];
      this.d[j] = this.cost[j];
    }
    this.pos[n0] = -1;
    this.upper[n0] = 1;
    this.val[n0] = this.ub[n0];
    this.d[n0] = -1;
    for (let j = n; j < this.lb.length; j++) this.pos[j] = -1;
  }

  /**
   * Add the row a · x − t ≥ b (a has length n0 and should have unit norm so that t is a distance). The new row's
   * activity becomes basic, which keeps the basis dual feasible.
   */
  addRow(a: ArrayLike<number>, b: number): void {
    this.pushRow(a, b, -1);
  }

  /** Add the row a · x + tCoef · t with lower bound b (upper bound +∞); the activity becomes basic. */
  private pushRow(a: ArrayLike<number>, b: number, tCoef: number): void {
    const t0 = profileTiming() ? now() : 0;
    const { n, n0, cap } = this;
    const i = this.m;
    if (i >= cap) throw new RangeError(`MarginLP: row capacity ${cap} exceeded`);
    const A = this.A, base = i * n;
    let activity = 0;
    // The Gram rows of rows ≥ i stay current when row i is written again with the same coefficients (a flat LP's
    // equality rows, added again after each restore): G's entries are functions of the rows' coefficients only.
    let same = i < this.gramRows && A[base + n0] === tCoef;
    for (let j = 0; j < n0; j++) {
      const aj = a[j];
      if (A[base + j] !== aj) same = false;
      A[base + j] = aj;
      activity += aj * this.val[j];
    }
    A[base + n0] = tCoef;
    activity += tCoef * this.val[n0];
    if (!same && this.gramRows > i) this.gramRows = i;
    const r = n + i;
    this.lb[r] = b;
    this.ub[r] = Infinity;
    this.val[r] = activity;
    this.d[r] = 0;
    this.upper[r] = 0;
    // B' = [[B, 0], [v^T, −1]] ⇒ B'^{-1} = [[B^{-1}, 0], [v^T B^{-1}, −1]], v_k = A[i, head[k]] (0 for slacks).
    const binv = this.binv;
    const rowBase = i * cap;
    for (let k = 0; k < i; k++) binv[rowBase + k] = 0;
    for (let p = 0; p < i; p++) {
      const vk = this.head[p] < n ? A[base + this.head[p]] : 0;
      if (vk === 0) continue;
      const src = p * cap;
      for (let k = 0; k < i; k++) binv[rowBase + k] += vk * binv[src + k];
    }
    for (let p = 0; p < i; p++) binv[p * cap + i] = 0;
    binv[rowBase + i] = -1;
    this.head[i] = r;
    this.pos[r] = i;
    this.m = i + 1;
    if (t0 > 0) lpProfile[P.Time + 6] += now() - t0;
  }

  /**
   * Add the equality row a · x = b (no t term): the point must lie on the hyperplane. Its activity has a zero range,
   * so once it leaves the basis it never re-enters (the ratio test skips it); rows added after it are fine.
   */
  addEquality(a: ArrayLike<number>, b: number): void {
    this.pushRow(a, b, 0);
    this.ub[this.n + this.m - 1] = b;
    this.fixedRows++;
  }

  /** Current value of t (an upper bound on the optimum while the dual simplex runs; the optimum at the end). */
  objective(): number {
    return this.val[this.n0];
  }

  /**
   * Objective of the perturbed LP at the current basis, max t − δc · x. While the basis is dual feasible this bounds
   * the perturbed optimum from above, so the true maximal t is at most `dualBound() + perturbationError`.
   */
  dualBound(): number {
    let v = this.val[this.n0];
    for (let j = 0; j < this.n0; j++) v -= this.cost[j] * this.val[j];
    return v;
  }

  /** Copy the current x into `out`, clipped into the box (basic values can sit a tolerance outside). */
  point(out: Float64Array): Float64Array {
    for (let j = 0; j < this.n0; j++) out[j] = Math.min(this.ub[j], Math.max(this.lb[j], this.val[j]));
    return out;
  }

  /**
   * Run the dual simplex until optimal (for the perturbed objective), or until the dual bound proves that the true
   * maximal t is at most `stopAtOrBelow` (`Below`).
   */
  solve(stopAtOrBelow = -Infinity): LPStatus {
    const before = this.iterations, child = this.solvedM >= 0 && this.m === this.solvedM + 1 && this.fixedRows === 0;
    const status = profileTiming() ? this.solveTimed(stopAtOrBelow) : this.dualSimplex(stopAtOrBelow, false);
    recordSolve(this.iterations - before, status, child, this.fixedRows > 0);
    this.solvedM = status === LPStatus.Optimal ? this.m : -1;
    return status;
  }

  /** `dualSimplex` with the phase times taken (profiling). */
  private solveTimed(stopAtOrBelow: number): LPStatus {
    return this.dualSimplex(stopAtOrBelow, true);
  }

  /** The bounded dual simplex (see `solve`); `timed`: add each phase's time to the profile. */
  private dualSimplex(stopAtOrBelow: number, timed: boolean): LPStatus {
    const prof = lpProfile;
    let t = timed ? now() : 0, t2 = 0;
    const stopBound = stopAtOrBelow - this.perturbationError;
    this.updateGram();
    this.startWeights();
    const { n, n0, cap, val, lb, ub, d, pos, upper, head, binv, alpha, rho, A, order, weight, gram: G } = this;
    for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
      const m = this.m;
      // dualBound() ≥ t − perturbationSpan, so the exact bound is only needed once t is within that of the stop.
      if (val[n0] - this.perturbationSpan <= stopBound && this.dualBound() <= stopBound) return LPStatus.Below;
      // Pricing, steepest edge in the space of the reduced costs: the basic variable maximising violation² / w_p
      // leaves, w_p = ‖e_p^T B^{-1} A‖² + SLACK_WEIGHT ‖e_p^T B^{-1}‖², the squared norm of its tableau row over the
      // structural columns (the edge along which all reduced costs move; Devex, Harris 1973, approximates the same
      // norm) plus the row-activity columns scaled down: w_p = ρ_p G ρ_p^T from the rows' Gram matrix, computed at
      // the start of a solve and at refactorisation, updated after each pivot (below).
      let p = -1, bestScore = 0, delta = 0;
      for (let k = 0; k < m; k++) {
        const v = head[k], x = val[v];
        let viol = 0;
        if (x < lb[v] - PRIMAL_TOL) viol = x - lb[v];
        else if (x > ub[v] + PRIMAL_TOL) viol = x - ub[v];
        else continue;
        const score = (viol * viol) / weight[k];
        if (score > bestScore) {
          bestScore = score;
          p = k;
          delta = viol;
        }
      }
      if (timed) {
        t2 = now();
        prof[P.Time + 0] += t2 - t;
        t = t2;
      }
      if (p < 0) return LPStatus.Optimal;
      this.iterations++;
      this.baseSlot = -1;
      prof[P.Pivots]++;
      if (head[p] === n + m - 1) prof[P.LeaveNewest]++;
      // Pivot row: rho = e_p^T B^{-1}; alpha_j = rho · a_j.
      const pb = p * cap, nz = this.rhoNz;
      let nnz = 0;
      for (let i = 0; i < m; i++) {
        const ri = binv[pb + i];
        rho[i] = ri;
        nz[nnz] = i;
        nnz += Number(ri !== 0);
      }
      // Pivot row and the candidates for the bound-flipping ratio test, in one pass.
      const sgn = delta < 0 ? -1 : 1;
      const nv = n + m;
      // With equality rows, their activities (zero range) are left out of the candidates: they never re-enter.
      const skipFixed = this.fixedRows > 0 ? 1 : 0;
      const nc = this.kernel ? this.kernel.pivot(m, sgn, PIVOT_TOL, skipFixed) : this.pivotRowCandidates(m, sgn, skipFixed);
      prof[P.Candidates] += nc;
      if (timed) {
        t2 = now();
        prof[P.Time + 1] += t2 - t;
        t = t2;
      }
      if (nc === 0) return LPStatus.Infeasible;
      // Bound-flipping ratio test: walk the candidates by increasing ratio, flipping each boxed column while the
      // leaving row stays violated; the first that cannot flip enters.
      const q = this.boundFlippingRatioTest(nc, Math.abs(delta));
      const flips = this.flips;
      prof[P.Flips] += flips;
      if (timed) {
        t2 = now();
        prof[P.Time + 2] += t2 - t;
        t = t2;
      }
      if (q < 0) {
        // Every candidate can flip and the row still cannot be satisfied: infeasible row.
        return LPStatus.Infeasible;
      }
      const thetaD = d[q] / alpha[q];
      // Dual update, over every column without a branch; basic columns' reduced costs are then reset to 0.
      if (thetaD !== 0) {
        if (this.kernel) this.kernel.dualUpdate(nv, thetaD);
        else for (let j = 0; j < nv; j++) d[j] -= thetaD * alpha[j];
        for (let k = 0; k < m; k++) d[head[k]] = 0;
      } else prof[P.DegenerateSteps]++;
      if (q < n0) prof[P.EnterStructural]++;
      if (timed) {
        t2 = now();
        prof[P.Time + 3] += t2 - t;
        t = t2;
      }
      // Flips: move x_j to its other bound, then x_B −= B^{-1} w with w = A_N Δx_N = Σ a_j Δ_j; and the FTRAN
      // column B^{-1} a_q of the entering column, in the same pass over B^{-1}.
      const w = this.work, colv = this.col;
      if (flips > 0) {
        const step = this.stepBuf;
        for (let f = 0; f < flips; f++) {
          const j = order[f];
          step[f] = upper[j] ? lb[j] - ub[j] : ub[j] - lb[j];
          upper[j] ^= 1;
          val[j] = upper[j] ? ub[j] : lb[j];
        }
        this.flipProducts(m, flips);
      }
      if (q < n) {
        const aq = this.aq; // column q of A gathered once
        for (let i = 0; i < m; i++) aq[i] = A[i * n + q];
        if (flips > 0) this.basisProducts2(m);
        else this.basisProducts(m, aq, colv);
      } else {
        if (flips > 0) {
          const s = this.stepBuf; // the flips' steps are used up
          this.basisProducts(m, w, s);
          for (let k = 0; k < m; k++) val[head[k]] -= s[k];
        }
        const iq = q - n;
        for (let k = 0; k < m; k++) colv[k] = -binv[k * cap + iq];
      }
      const piv = colv[p];
      if (Math.abs(piv) < PIVOT_TOL * 1e-3) return LPStatus.Failed;
      const tBefore = val[n0];
      const leaving = head[p];
      const bound = sgn < 0 ? lb[leaving] : ub[leaving];
      const thetaP = (val[leaving] - bound) / piv;
      for (let k = 0; k < m; k++) val[head[k]] -= thetaP * colv[k];
      val[q] += thetaP;
      val[leaving] = bound;
      if (Math.abs(val[n0] - tBefore) <= STALL_TOL * Math.max(1, Math.abs(tBefore))) prof[P.StalledPivots]++;
      // Basis change.
      pos[leaving] = -1;
      upper[leaving] = sgn < 0 ? 0 : 1;
      d[leaving] = -thetaD;
      pos[q] = p;
      head[p] = q;
      d[q] = 0;
      if (timed) {
        t2 = now();
        prof[P.Time + 4] += t2 - t;
        t = t2;
      }
      // Weights of the new basis (Forrest & Goldfarb 1992's update in the Gram metric): with ρ'_p = ρ_p / piv and
      // ρ'_k = ρ_k − (c_k / piv) ρ_p, w'_p = w_p / piv² and w'_k = w_k − 2 (c_k / piv) ρ_k G ρ_p^T + (c_k / piv)² w_p.
      // ρ_p is about half zeros (as B^{-1}): the sums below run over its nonzeros nz[0, nnz) in increasing order,
      // which leaves every sum's bits as the dense loops' (a skipped term is ±0, and these sums start at +0).
      // The update of row k's weight reads row k of B^{-1} before its eta update, so both run in one pass.
      {
        const g = this.work;
        // g = G ρ_p^T, four rows at a time (each sum over nz in increasing order, as row by row).
        let i = 0;
        for (; i + 4 <= m; i += 4) {
          const g0 = i * cap, g1 = g0 + cap, g2 = g1 + cap, g3 = g2 + cap;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let t = 0; t < nnz; t++) {
            const l = nz[t], r = rho[l];
            s0 += G[g0 + l] * r;
            s1 += G[g1 + l] * r;
            s2 += G[g2 + l] * r;
            s3 += G[g3 + l] * r;
          }
          g[i] = s0;
          g[i + 1] = s1;
          g[i + 2] = s2;
          g[i + 3] = s3;
        }
        for (; i < m; i++) {
          let s = 0;
          const gb = i * cap;
          for (let t = 0; t < nnz; t++) {
            const l = nz[t];
            s += G[gb + l] * rho[l];
          }
          g[i] = s;
        }
        let wp = 0;
        for (let t = 0; t < nnz; t++) {
          const i = nz[t];
          wp += rho[i] * g[i];
        }
        // Eta update of B^{-1} (row p scaled by 1/piv, row k −= c_k × row p), each row's weight updated first; the
        // rows to update (c_k ≠ 0, k ≠ p) two at a time, their τ_k = ρ_k · g as two independent sums.
        const inv = 1 / piv, ks = this.etaRows;
        let ne = 0;
        for (let k = 0; k < m; k++) {
          ks[ne] = k;
          ne += Number(k !== p && colv[k] !== 0);
        }
        let e = 0;
        for (; e + 2 <= ne; e += 2) {
          const ka = ks[e], kb2 = ks[e + 1], ba = ka * cap, bb = kb2 * cap;
          let ta = 0, tb = 0;
          for (let i = 0; i < m; i++) {
            const gi = g[i];
            ta += binv[ba + i] * gi;
            tb += binv[bb + i] * gi;
          }
          this.etaRow(ka, ta, colv[ka] / piv, wp);
          this.etaRow(kb2, tb, colv[kb2] / piv, wp);
          const ca = colv[ka], cb = colv[kb2];
          for (let t = 0; t < nnz; t++) {
            const i = nz[t], r = binv[pb + i] * inv;
            binv[ba + i] -= ca * r;
            binv[bb + i] -= cb * r;
          }
        }
        if (e < ne) {
          const k = ks[e], kb = k * cap;
          let tau = 0;
          for (let i = 0; i < m; i++) tau += binv[kb + i] * g[i];
          this.etaRow(k, tau, colv[k] / piv, wp);
          const c = colv[k];
          for (let t = 0; t < nnz; t++) {
            const i = nz[t];
            binv[kb + i] -= c * (binv[pb + i] * inv);
          }
        }
        weight[p] = wp / (piv * piv);
        for (let t = 0; t < nnz; t++) binv[pb + nz[t]] *= inv;
      }
      if (++this.updates >= REFACTOR_EVERY) {
        prof[P.Refactors]++;
        if (!this.refactor()) return LPStatus.Failed;
        this.computeWeights();
      } else for (let k = 0; k < m; k++) if (weight[k] < 0) weight[k] = this.weightOf(k);
      if (timed) {
        t2 = now();
        prof[P.Time + 5] += t2 - t;
        t = t2;
      }
    }
    return LPStatus.Failed;
  }

  /** Row k's pricing weight after the pivot, w'_k = w_k − 2 f τ_k + f² w_p with f = c_k / piv (−1: recompute). */
  private etaRow(k: number, tau: number, f: number, wp: number): void {
    const wk = this.weight[k] - 2 * f * tau + f * f * wp;
    this.weight[k] = wk > WEIGHT_FLOOR * f * f * wp ? wk : -1; // cancellation: recomputed after the eta update
  }

  /**
   * w_i = Σ_f A[i, order[f]] · step[f] for the rows i < m (the flips' A_N Δx_N), four rows at a time: each row's sum
   * keeps its terms and their order (flip order), so the bits are the row-by-row loop's; the four independent sums
   * hide the additions' latency, and each flip's column index and step are loaded once for the four rows.
   */
  private flipProducts(m: number, flips: number): void {
    const { n, A, order, stepBuf: step, work: w } = this;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const b0 = i * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let f = 0; f < flips; f++) {
        const j = order[f], s = step[f];
        a0 += A[b0 + j] * s;
        a1 += A[b1 + j] * s;
        a2 += A[b2 + j] * s;
        a3 += A[b3 + j] * s;
      }
      w[i] = a0;
      w[i + 1] = a1;
      w[i + 2] = a2;
      w[i + 3] = a3;
    }
    for (; i < m; i++) {
      const b0 = i * n;
      let a0 = 0;
      for (let f = 0; f < flips; f++) a0 += A[b0 + order[f]] * step[f];
      w[i] = a0;
    }
  }

  /** out_k = Σ_i B^{-1}[k, i] · v_i for k < m, two rows at a time (each sum in increasing i, as one row at a time). */
  private basisProducts(m: number, v: Float64Array, out: Float64Array): void {
    const { cap, binv } = this;
    let k = 0;
    for (; k + 2 <= m; k += 2) {
      const k0 = k * cap, k1 = k0 + cap;
      let s0 = 0, s1 = 0;
      for (let i = 0; i < m; i++) {
        const vi = v[i];
        s0 += binv[k0 + i] * vi;
        s1 += binv[k1 + i] * vi;
      }
      out[k] = s0;
      out[k + 1] = s1;
    }
    if (k < m) {
      const k0 = k * cap;
      let s0 = 0;
      for (let i = 0; i < m; i++) s0 += binv[k0 + i] * v[i];
      out[k] = s0;
    }
  }

  /**
   * One pass over B^{-1} for both of a pivot's products with it: the flips' x_B −= B^{-1} w and the FTRAN column
   * col = B^{-1} a_q, two rows at a time (four independent sums, each in increasing i as in a separate pass).
   */
  private basisProducts2(m: number): void {
    const { cap, binv, work: w, aq, col, val, head } = this;
    let k = 0;
    for (; k + 2 <= m; k += 2) {
      const k0 = k * cap, k1 = k0 + cap;
      let s0 = 0, s1 = 0, c0 = 0, c1 = 0;
      for (let i = 0; i < m; i++) {
        const b0 = binv[k0 + i], b1 = binv[k1 + i], wi = w[i], ai = aq[i];
        s0 += b0 * wi;
        s1 += b1 * wi;
        c0 += b0 * ai;
        c1 += b1 * ai;
      }
      val[head[k]] -= s0;
      val[head[k + 1]] -= s1;
      col[k] = c0;
      col[k + 1] = c1;
    }
    if (k < m) {
      const k0 = k * cap;
      let s0 = 0, c0 = 0;
      for (let i = 0; i < m; i++) {
        s0 += binv[k0 + i] * w[i];
        c0 += binv[k0 + i] * aq[i];
      }
      val[head[k]] -= s0;
      col[k] = c0;
    }
  }

  /**
   * Recompute B^{-1} from the basis columns (Gauss–Jordan, partial pivoting), then the basic values and the reduced
   * costs from scratch. Returns false when the basis is numerically singular.
   */
  refactor(): boolean {
    const { n, n0, m, cap, A, head, binv, val, d, pos, upper, lb, ub } = this;
    const lu = this.lu, w2 = 2 * cap;
    this.baseSlot = -1;
    // Build [B | I].
    for (let i = 0; i < m; i++) {
      const rb = i * w2;
      for (let k = 0; k < m; k++) {
        const v = head[k];
        lu[rb + k] = v < n ? A[i * n + v] : v - n === i ? -1 : 0;
      }
      for (let k = 0; k < m; k++) lu[rb + m + k] = i === k ? 1 : 0;
    }
    for (let c = 0; c < m; c++) {
      let piv = c, best = Math.abs(lu[c * w2 + c]);
      for (let r = c + 1; r < m; r++) {
        const v = Math.abs(lu[r * w2 + c]);
        if (v > best) {
          best = v;
          piv = r;
        }
      }
      if (best < 1e-12) return false;
      // Columns < c of the left half are done (never read again) and column c is read only as the factors f below,
      // so the row operations start at column c + 1: the right half, B^{-1}, gets the same numbers.
      if (piv !== c) {
        for (let k = c; k < 2 * m; k++) {
          const t = lu[c * w2 + k];
          lu[c * w2 + k] = lu[piv * w2 + k];
          lu[piv * w2 + k] = t;
        }
      }
      const inv = 1 / lu[c * w2 + c];
      for (let k = c + 1; k < 2 * m; k++) lu[c * w2 + k] *= inv;
      for (let r = 0; r < m; r++) {
        if (r === c) continue;
        const f = lu[r * w2 + c];
        if (f === 0) continue;
        for (let k = c + 1; k < 2 * m; k++) lu[r * w2 + k] -= f * lu[c * w2 + k];
      }
    }
    // Row k of [B^{-1}] corresponds to basis position k (columns of B are in basis order).
    for (let k = 0; k < m; k++) for (let i = 0; i < m; i++) binv[k * cap + i] = lu[k * w2 + m + i];
    // Nonbasic values sit exactly on their bounds.
    const nv = n + m;
    for (let j = 0; j < nv; j++) if (pos[j] < 0) val[j] = upper[j] ? ub[j] : lb[j];
    this.computeBasicValues();
    // Reduced costs: y = c_B^T B^{-1}; d_j = c_j − y · a_j.
    const rho = this.rho;
    rho.fill(0, 0, m);
    for (let k = 0; k < m; k++) {
      const v = head[k];
      const ck = v < n ? this.cost[v] : 0;
      if (ck === 0) continue;
      for (let i = 0; i < m; i++) rho[i] += ck * binv[k * cap + i];
    }
    // Row by row (contiguous; in the kernel two columns at a time, the same numbers), then 0 for the basic columns.
    d.set(this.cost);
    const kernel = this.kernel;
    for (let i = 0; i < m; i++) {
      const ri = rho[i], base = i * n;
      if (ri === 0) continue;
      if (kernel) kernel.subScaled(d.byteOffset, A.byteOffset + 8 * base, n, ri);
      else for (let j = 0; j < n; j++) d[j] -= ri * A[base + j];
    }
    for (let j = 0; j < n; j++) if (pos[j] >= 0) d[j] = 0;
    for (let i = 0; i < m; i++) d[n + i] = pos[n + i] >= 0 ? 0 : rho[i];
    // Boxed columns whose reduced cost has the wrong sign after the fresh computation move to the other bound.
    let moved = false;
    for (let j = 0; j < n0; j++) {
      if (pos[j] >= 0) continue;
      if ((upper[j] && d[j] > DUAL_TOL) || (!upper[j] && d[j] < -DUAL_TOL)) {
        upper[j] ^= 1;
        val[j] = upper[j] ? ub[j] : lb[j];
        moved = true;
      }
    }
    this.updates = 0;
    if (moved) this.computeBasicValues();
    return true;
  }

  /**
   * Bring the pricing's Gram matrix up to the current rows: entries of rows ≥ gramRows (rows added since the last
   * solve; rows dropped by `restore` and added again are recomputed). O(n) per new entry, once per row and solve.
   */
  private updateGram(): void {
    const { n, m, cap, A, gram: G, dotX, dotOut } = this;
    for (let i = this.gramRows; i < m; i++) {
      dotX.set(A.subarray(i * n, i * n + n));
      this.rowDots(i + 1, n); // the kernel's row products: a_p · a_i for p ≤ i
      for (let p = 0; p <= i; p++) {
        const s = p === i ? dotOut[p] + SLACK_WEIGHT : dotOut[p];
        G[i * cap + p] = s;
        G[p * cap + i] = s;
      }
    }
    if (this.gramRows < m) this.gramRows = m; // rows above m (dropped by a restore) keep theirs until rewritten
  }

  /** The pricing weight of basis position k from scratch: ρ_k G ρ_k^T, O(m²). */
  private weightOf(k: number): number {
    const { m, cap, binv, gram: G } = this;
    const kb = k * cap, nz = this.etaRows;
    // The nonzero entries of ρ_k (B^{-1} is sparse after a few pivots), then their inner sums two at a time
    // (independent sums, each in increasing l; w adds them in increasing i as one at a time).
    let nnz = 0;
    for (let i = 0; i < m; i++) {
      nz[nnz] = i;
      nnz += Number(binv[kb + i] !== 0);
    }
    let w = 0, t = 0;
    for (; t + 2 <= nnz; t += 2) {
      const i0 = nz[t], i1 = nz[t + 1], g0 = i0 * cap, g1 = i1 * cap;
      let s0 = 0, s1 = 0;
      for (let l = 0; l < m; l++) {
        const bl = binv[kb + l];
        s0 += G[g0 + l] * bl;
        s1 += G[g1 + l] * bl;
      }
      w += binv[kb + i0] * s0;
      w += binv[kb + i1] * s1;
    }
    if (t < nnz) {
      const i0 = nz[t], g0 = i0 * cap;
      let s0 = 0;
      for (let l = 0; l < m; l++) s0 += G[g0 + l] * binv[kb + l];
      w += binv[kb + i0] * s0;
    }
    return w;
  }

  /** All pricing weights from scratch (refactorisation). */
  private computeWeights(): void {
    for (let k = 0; k < this.m; k++) this.weight[k] = this.weightOf(k);
  }

  /**
   * The pricing weights at the start of a solve, from scratch: those of the positions of the slot the basis was
   * restored from (rows added since) are the slot's, computed once by the first solve that starts from it.
   */
  private startWeights(): void {
    const slot = this.baseSlot >= 0 ? this.slots[this.baseSlot] : undefined;
    const weight = this.weight;
    let k0 = 0;
    if (slot && slot.wM >= 0) {
      k0 = slot.wM;
      weight.set(slot.w.subarray(0, k0));
    }
    for (let k = k0; k < this.m; k++) weight[k] = this.weightOf(k);
    if (slot && slot.wM < 0) {
      slot.w.set(weight.subarray(0, slot.m));
      slot.wM = slot.m;
    }
  }

  /** x_B = −B^{-1} (N x_N): the basic values from the nonbasic ones, from scratch. */
  private computeBasicValues(): void {
    const { n, m, cap, head, binv, val, pos, dotX, dotOut } = this;
    const w = this.work;
    for (let j = 0; j < n; j++) dotX[j] = pos[j] < 0 ? val[j] : 0;
    this.rowDots(m, n);
    for (let i = 0; i < m; i++) w[i] = pos[n + i] < 0 ? dotOut[i] - val[n + i] : dotOut[i];
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += binv[k * cap + i] * w[i];
      val[head[k]] = -s;
    }
  }

  /**
   * dotOut_i = Σ_{j < cols} A[i, j] · dotX_j for the rows i < m: in the kernel, or in JS in the kernel's order (four
   * running sums over columns j ≡ 0, 1, 2, 3 mod 4, a remaining pair into the first two, combined as
   * (s0 + s2) + (s1 + s3), then the odd column), so both paths give the same bits.
   */
  private rowDots(m: number, cols: number): void {
    if (this.kernel) {
      this.kernel.rowDots(m, cols);
      return;
    }
    const { n, A, dotX: x, dotOut: out } = this;
    const end4 = cols & ~3, end2 = cols & ~1;
    for (let i = 0; i < m; i++) {
      const base = i * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = 0;
      for (; j < end4; j += 4) {
        s0 += A[base + j] * x[j];
        s1 += A[base + j + 1] * x[j + 1];
        s2 += A[base + j + 2] * x[j + 2];
        s3 += A[base + j + 3] * x[j + 3];
      }
      if (j < end2) {
        s0 += A[base + j] * x[j];
        s1 += A[base + j + 1] * x[j + 1];
        j += 2;
      }
      let s = (s0 + s2) + (s1 + s3);
      if (j < cols) s += A[base + j] * x[j];
      out[i] = s;
    }
  }

  /** Save the whole solver state to slot `s` (slots are allocated on first use and reused). */
  save(s: number): void {
    const t0 = profileTiming() ? now() : 0;
    const { n, m, cap } = this;
    const nv = n + m;
    let slot = this.slots[s];
    if (!slot) {
      const full = n + cap;
      slot = {
        m: 0,
        solvedM: -1,
        updates: 0,
        binv: new Float64Array(cap * cap),
        head: new Int32Array(cap),
        val: new Float64Array(full),
        d: new Float64Array(full),
        pos: new Int32Array(full),
        upper: new Uint8Array(full),
        wM: -1,
        w: new Float64Array(cap),
      };
      this.slots[s] = slot;
    }
    slot.m = m;
    slot.solvedM = this.solvedM;
    slot.updates = this.updates;
    slot.binv.set(this.binv.subarray(0, m * cap));
    slot.head.set(this.head.subarray(0, m));
    slot.val.set(this.val.subarray(0, nv));
    slot.d.set(this.d.subarray(0, nv));
    slot.pos.set(this.pos.subarray(0, nv));
    slot.upper.set(this.upper.subarray(0, nv));
    slot.wM = -1;
    this.baseSlot = s;
    if (t0 > 0) lpProfile[P.Time + 6] += now() - t0;
  }

  /** Restore the state saved in slot `s` (rows added after the save are dropped). */
  restore(s: number): void {
    const t0 = profileTiming() ? now() : 0;
    const slot = this.slots[s];
    const m = slot.m, nv = this.n + m;
    this.m = m;
    this.solvedM = slot.solvedM;
    this.updates = slot.updates;
    let fixed = 0;
    for (let i = 0; i < m; i++) if (this.ub[this.n + i] === this.lb[this.n + i]) fixed++;
    this.fixedRows = fixed;
    this.binv.set(slot.binv.subarray(0, m * this.cap));
    this.head.set(slot.head.subarray(0, m));
    this.val.set(slot.val.subarray(0, nv));
    this.d.set(slot.d.subarray(0, nv));
    this.pos.set(slot.pos.subarray(0, nv));
    this.upper.set(slot.upper.subarray(0, nv));
    this.baseSlot = s;
    if (t0 > 0) lpProfile[P.Time + 6] += now() - t0;
  }

  /**
   * JS path of the pivot kernel (pivot-kernel.wat computes the same numbers in the same order): the pivot row
   * alpha_j = rho · a_j for the structural columns (the O(m·n) part of an iteration) and alpha_{n+i} = −rho_i for the
   * row activities; then the candidates of the bound-flipping ratio test, nonbasic columns whose move repairs the
   * leaving row (at lower with sgn·alpha > 0, at upper with sgn·alpha < 0), with their dual ratios d_j / (sgn·alpha_j)
   * clamped at 0 and the slope drop range_j · |alpha_j| each removes when it flips; with `skipFixed` only the columns
   * whose drop is nonzero (equality rows' activities have a zero range and never enter). Returns the candidates' number.
   */
  private pivotRowCandidates(m: number, sgn: number, skipFixed: number): number {
    const { n, alpha, rho, A, pos, upper, d, cand, ratio, drop, lb, ub } = this;
    alpha.fill(0, 0, n);
    for (let i = 0; i < m; i++) {
      const ri = rho[i];
      if (ri === 0) continue; // B^{-1} is sparse after a few pivots
      const base = i * n;
      for (let j = 0; j < n; j++) alpha[j] += ri * A[base + j];
    }
    for (let i = 0; i < m; i++) alpha[n + i] = -rho[i];
    // As the kernel: every column is written at slot nc, which advances only past a candidate (the slot after the
    // last candidate keeps the last non-candidate's values, byte for byte as in the kernel).
    let nc = 0;
    for (let j = 0, nv = n + m; j < nv; j++) {
      const at = sgn * alpha[j];
      const r = d[j] / at;
      cand[nc] = j;
      ratio[nc] = r < 0 ? 0 : r;
      drop[nc] = (ub[j] - lb[j]) * Math.abs(at);
      nc += Number(pos[j] < 0 && (upper[j] ? at < -PIVOT_TOL : at > PIVOT_TOL) && (skipFixed === 0 || drop[nc] !== 0));
    }
    return nc;
  }
  /**
   * The bound-flipping ratio test over the `nc` candidates of the pivot row (Koberstein 2005, §3.1.2): in increasing
   * order of ratio, each candidate flips to its other bound while the remaining slope stays positive; the first one
   * that cannot flip enters the basis (among ratios tied within RATIO_TIE, the largest |alpha_j|, for stability).
   * Returns the entering column (−1: every candidate can flip, the row is infeasible); the flipped columns are
   * `order[0, flips)`.
   *
   * Only a few candidates flip (on the MNIST fixtures a median of 7 of ~420, 90 % of iterations ≤ 52), so instead of
   * ordering all candidates, a pass keeps those at or below a low sample quantile of the ratios (about
   * RATIO_TEST_PREFIX of them); when they all flip, the next pass continues on the rest with a larger prefix. The
   * short list is then ordered by quickselect and insertion sort as far as the walk needs.
   */
  private boundFlippingRatioTest(nc: number, slope: number): number {
    const { ratio, drop, cand, alpha, order } = this;
    let flips = 0;
    let src: Int32Array | null = null; // the candidates still to walk: all (null), or src[0, rest)
    let rest = nc, want = RATIO_TEST_PREFIX, spare = this.restA;
    const idx = this.sorted;
    let count: number, pr = Infinity;
    for (;;) {
      if (rest <= 2 * want) {
        // Few left: walk them all.
        for (let s = 0; s < rest; s++) idx[s] = src ? src[s] : s;
        count = rest;
        pr = Infinity;
        break;
      }
      // Pivot: the sample's quantile that leaves about `want` candidates at or below it.
      const sample = this.sampleBuf, S = RATIO_SAMPLE, stride = rest / S;
      for (let k = 0; k < S; k++) {
        const v = ratio[src ? src[Math.floor(k * stride)] : Math.floor(k * stride)];
        let b = k - 1;
        while (b >= 0 && sample[b] > v) {
          sample[b + 1] = sample[b];
          b--;
        }
        sample[b + 1] = v;
      }
      pr = sample[Math.min(S - 1, Math.max(0, Math.round((S * want) / rest) - 1))];
      // The candidates with ratio ≤ pr into idx and the others into spare, each in order of appearance, in one
      // branch-free pass: in the kernel (two ratios compared at a time), or in JS (V8 turns Number(bool) into a flag
      // move, about twice as fast as a branch or `? 1 : 0` here).
      let k = 0, g = 0;
      if (this.kernel) {
        k = this.kernel.split(src ? src.byteOffset : -1, rest, pr, idx.byteOffset, spare.byteOffset);
        g = rest - k;
      } else if (src) {
        for (let s = 0; s < rest; s++) {
          const c = src[s], le = Number(ratio[c] <= pr);
          idx[k] = c;
          spare[g] = c;
          k += le;
          g += 1 - le;
        }
      } else {
        for (let c = 0; c < rest; c++) {
          const le = Number(ratio[c] <= pr);
          idx[k] = c;
          spare[g] = c;
          k += le;
          g += 1 - le;
        }
      }
      const dropLow = this.dropOf(idx, 0, k);
      if (slope - dropLow <= PRIMAL_TOL || k === rest) {
        count = k;
        break;
      }
      // Every candidate up to pr flips: continue on the others with a longer prefix.
      for (let s = 0; s < k; s++) order[flips++] = cand[idx[s]];
      slope -= dropLow;
      const used = spare;
      spare = used === this.restA ? this.restB : this.restA;
      src = used;
      rest = g;
      want *= 4;
    }
    // Order idx[0, count) as far as needed. Quickselect-style: partition around a pivot ratio, flip whole parts whose
    // total drop fits, and order only the short final part.
    let lo = 0, hi = count;
    while (hi - lo > 16) {
      const pv = median3(ratio[idx[lo]], ratio[idx[(lo + hi) >> 1]], ratio[idx[hi - 1]]);
      // Three-way partition of idx[lo, hi): [lo, lt) < pv, [lt, gt) = pv, [gt, hi) > pv.
      let lt = lo, gt = hi, i = lo;
      while (i < gt) {
        const r = ratio[idx[i]];
        if (r < pv) {
          const t = idx[i]; idx[i] = idx[lt]; idx[lt] = t;
          lt++; i++;
        } else if (r > pv) {
          gt--;
          const t = idx[i]; idx[i] = idx[gt]; idx[gt] = t;
        } else i++;
      }
      const dropLess = this.dropOf(idx, lo, lt);
      if (slope - dropLess <= PRIMAL_TOL) {
        hi = lt; // the entering column is among the smaller ratios
        continue;
      }
      for (let k = lo; k < lt; k++) order[flips++] = cand[idx[k]];
      slope -= dropLess;
      const dropEq = this.dropOf(idx, lt, gt);
      if (slope - dropEq > PRIMAL_TOL) {
        for (let k = lt; k < gt; k++) order[flips++] = cand[idx[k]];
        slope -= dropEq;
        lo = gt;
      } else {
        lo = lt;
        hi = gt;
        break;
      }
    }
    // Final short part: insertion sort by ratio, then walk.
    for (let a = lo + 1; a < hi; a++) {
      const v = idx[a], rv = ratio[v];
      let b = a - 1;
      while (b >= lo && ratio[idx[b]] > rv) {
        idx[b + 1] = idx[b];
        b--;
      }
      idx[b + 1] = v;
    }
    this.flips = flips;
    for (let s = lo; s < hi; s++) {
      const c = idx[s];
      if (slope - drop[c] > PRIMAL_TOL) {
        slope -= drop[c];
        order[this.flips++] = cand[c];
        continue;
      }
      // Entering: the largest |alpha_j| among the candidates tied with c (the later part of idx, and beyond pr).
      let q = cand[c], bestAbs = Math.abs(alpha[q]);
      const limit = ratio[c] + RATIO_TIE;
      // The rest of the short list: this part, then the parts quickselect set aside above it.
      for (let t = s + 1; t < count; t++) {
        const jt = cand[idx[t]];
        if (ratio[idx[t]] <= limit && Math.abs(alpha[jt]) > bestAbs) {
          bestAbs = Math.abs(alpha[jt]);
          q = jt;
        }
      }
      if (limit > pr) {
        // Ties across the split (rare): candidates above pr but within RATIO_TIE of c.
        for (let t = 0; t < rest; t++) {
          const ct = src ? src[t] : t, jt = cand[ct];
          if (ratio[ct] > pr && ratio[ct] <= limit && Math.abs(alpha[jt]) > bestAbs) {
            bestAbs = Math.abs(alpha[jt]);
            q = jt;
          }
        }
      }
      return q;
    }
    // The walk flipped its whole part. Where larger ratios remain (set aside by quickselect or above pr), the part's
    // drop sum and the walk's one-by-one subtraction disagreed by round-off: the last column walked enters instead.
    if (hi > lo && (hi < count || count < rest)) {
      this.flips--;
      return cand[idx[hi - 1]];
    }
    return -1;
  }

  /** Total slope drop of the candidates idx[from, to): Σ range_j |alpha_j| (∞ if one is unbounded). */
  private dropOf(idx: Int32Array, from: number, to: number): number {
    const drop = this.drop;
    let sum = 0;
    for (let k = from; k < to; k++) sum += drop[idx[k]];
    return sum;
  }

  /**
   * Whether row i's activity is basic. Its dual value is then 0, so the current basis with row i and its activity left
   * out is a basis of the LP without row i with the same duals and the same dual bound: a `Below` answer still holds
   * for that LP.
   */
  rowIsBasic(i: number): boolean {
    return this.pos[this.n + i] >= 0;
  }

  /** Copy row i's coefficients on x (length n0) into `out` and return its right-hand side b_i. */
  row(i: number, out: Float64Array): number {
    out.set(this.A.subarray(i * this.n, i * this.n + this.n0));
    return this.lb[this.n + i];
  }

  /** out_i = a_i · v (the rows' coefficients on x) for the current rows i < m; returns m. */
  rowProducts(v: ArrayLike<number>, out: Float64Array): number {
    const { n0, m, dotX, dotOut } = this;
    for (let j = 0; j < n0; j++) dotX[j] = v[j];
    this.rowDots(m, n0);
    for (let i = 0; i < m; i++) out[i] = dotOut[i];
    return m;
  }

  /** out_i = a_i · x − b_i, the margin of `x` for each current row i < m; returns m. */
  margins(x: ArrayLike<number>, out: Float64Array): number {
    const { n, m, lb } = this;
    this.rowProducts(x, out);
    for (let i = 0; i < m; i++) out[i] -= lb[n + i];
    return m;
  }

  /** Margin of `x` against the current rows, computed directly: min_i (a_i · x − b_i); +∞ with no rows. */
  marginOf(x: ArrayLike<number>): number {
    const { n, n0, m, lb, dotX, dotOut } = this;
    for (let j = 0; j < n0; j++) dotX[j] = x[j];
    this.rowDots(m, n0);
    let best = Infinity;
    for (let i = 0; i < m; i++) {
      const s = dotOut[i] - lb[n + i];
      if (s < best) best = s;
    }
    return best;
  }
}

/** Grow a wasm memory to at least `bytes` and return its buffer (the buffer object changes when memory grows). */
function growTo(memory: KernelMemory, bytes: number): ArrayBuffer {
  const PAGE = 65536;
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
  return memory.buffer;
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}
