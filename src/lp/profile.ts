/**
 * Profile of the region search's LPs (issue #33): counters on one flat Float64Array per thread, always on (an
 * increment per LP or per pivot, no allocation), and per-phase times from `performance.now()` only while
 * {@link setProfileTiming} has switched them on (`tessera count --profile`), so the default path stays as fast.
 *
 * A worker thread has its own module instance, hence its own counters; {@link profileDelta} takes the difference
 * over one task, which travels back with the task's result and is summed with {@link addProfile}.
 */

/** A pivot that changes t by at most this, relative to max(1, |t|), counts as stalled (1e-9: far above round-off, far below any margin the count decides on). */
export const STALL_TOL = 1e-9;

/** Bins of the pivots-per-LP histogram: an LP with p pivots goes to the last bin whose lower edge is ≤ p. */
export const PIVOT_BINS: readonly number[] = [0, 1, 2, 3, 4, 5, 8, 16, 32, 64];

/** Timed phases, in the order of `PROFILE_TIME` (milliseconds). */
export const PROFILE_PHASES = [
  "pricing", // steepest-edge choice of the leaving row (tableau-row norms from the rows' Gram matrix)
  "pivotRow", // alpha = e_p^T B^{-1} A and the ratio-test candidates (the WASM kernel)
  "ratioTest", // bound-flipping ratio test
  "dualUpdate", // d −= theta_D alpha
  "primalUpdate", // bound flips, FTRAN of the entering column, basic values
  "basisUpdate", // eta update of B^{-1} and refactorisation
  "rowAdd", // adding a child's rows (B^{-1} border) and save/restore of the LP state
  "witness", // margins of witnesses and LP points (child accepted without an LP, certificates)
  "task", // whole task (the rest of it is the search's bookkeeping)
] as const;

/** Index of each counter in the profile array. */
export const enum P {
  Solves = 0,
  Pivots = 1,
  Flips = 2,
  Candidates = 3,
  Refactors = 4,
  Optimal = 5,
  Below = 6,
  Infeasible = 7,
  Failed = 8,
  /** Dual steps of length 0 (dual degenerate pivots). */
  DegenerateSteps = 9,
  /** Pivots whose entering column is an x column (else t or a row activity). */
  EnterStructural = 10,
  /** Pivots whose leaving variable is the activity of the newest row. */
  LeaveNewest = 11,
  /** Solves that start right after rows were added to a restored (parent's) basis. */
  ChildSolves = 12,
  ChildPivots = 13,
  /** Pivots of the solves that ended `Below` (children proved empty by the dual bound). */
  BelowPivots = 14,
  /** Children proved empty by a kept certificate, without an LP (src/lp/below-certificates.ts). */
  CertificateHits = 15,
  /** Solves with equality rows (a point on a flat: the last layer counted by its flats, the central certificate). */
  FlatSolves = 16,
  FlatPivots = 17,
  /** Pivots of the solves that ended `Optimal`. */
  OptimalPivots = 18,
  /**
   * Pivots that moved t by at most STALL_TOL relative: t had already converged and only the cost perturbation's
   * tie-breaking (and primal feasibility) was left to settle.
   */
  StalledPivots = 19,
  Hist = 20,
  Time = Hist + 10,
  Size = Time + 9,
}

/** Counters of this thread (see {@link P} for the layout). */
export const lpProfile = new Float64Array(P.Size);

let timing = false;

/** Whether per-phase times are being taken (see {@link setProfileTiming}). */
export function profileTiming(): boolean {
  return timing;
}

/** Switch the `performance.now()` phase timing on or off (counters are always on). */
export function setProfileTiming(on: boolean): void {
  timing = on;
}

/** A clock in milliseconds (`performance.now` in Node and browsers, `Date.now` where it is missing). */
export const now: () => number = typeof performance !== "undefined" ? () => performance.now() : () => Date.now();

/** Record one finished solve of `pivots` pivots with status `status` (0 optimal … 3 failed, as LPStatus). */
export function recordSolve(pivots: number, status: number, child: boolean, flat: boolean): void {
  const q = lpProfile;
  q[P.Solves]++;
  q[P.Optimal + status]++;
  let b = PIVOT_BINS.length - 1;
  while (PIVOT_BINS[b] > pivots) b--;
  q[P.Hist + b]++;
  if (status === 1) q[P.BelowPivots] += pivots;
  else if (status === 0) q[P.OptimalPivots] += pivots;
  if (flat) {
    q[P.FlatSolves]++;
    q[P.FlatPivots] += pivots;
  }
  if (child) {
    q[P.ChildSolves]++;
    q[P.ChildPivots] += pivots;
  }
}

/** A copy of the counters now. */
export function profileSnapshot(): Float64Array {
  return lpProfile.slice();
}

/** The counters since `before` (a snapshot). */
export function profileDelta(before: Float64Array): Float64Array {
  const d = new Float64Array(P.Size);
  for (let i = 0; i < P.Size; i++) d[i] = lpProfile[i] - before[i];
  return d;
}

/** total += part. */
export function addProfile(total: Float64Array, part: ArrayLike<number>): void {
  for (let i = 0; i < P.Size; i++) total[i] += part[i] ?? 0;
}

/** The profile as `tessera count --json` reports it. */
export interface LpProfileReport {
  /** LPs solved by the dual simplex (the engine's own; exact-oracle re-solves and HiGHS not included). */
  solves: number;
  pivots: number;
  pivotsPerLp: number;
  /** Pivots per LP of a child: rows added to its parent's optimal basis. */
  pivotsPerChildLp: number;
  childLps: number;
  flipsPerPivot: number;
  candidatesPerPivot: number;
  /** Share of pivots whose dual step was 0 (dual degenerate). */
  degenerateShare: number;
  /** Share of pivots entering an x column (the rest: t or a row activity). */
  enterStructuralShare: number;
  /** Share of pivots whose leaving row is the newest one. */
  leaveNewestShare: number;
  refactors: number;
  /** Pivots per LP that ended on the dual bound (a child proved empty). */
  pivotsPerBelowLp: number;
  /** Share of pivots that left t unchanged (to 1e-9 relative): the optimum's value was already reached. */
  stalledShare: number;
  /** Pivots per LP that ended optimal. */
  pivotsPerOptimalLp: number;
  /** LPs with equality rows (points on flats: the last layer's flats, the central certificate) and their pivots per LP. */
  flatLps: number;
  pivotsPerFlatLp: number;
  /** Children proved empty by a kept dual-bound certificate, without an LP. */
  certificateHits: number;
  status: { optimal: number; below: number; infeasible: number; failed: number };
  /** Pivots per LP: `[lower edge, LPs]` (the last bin is open). */
  histogram: [number, number][];
  /** Milliseconds per phase (with `--profile` only): the phases, and `bookkeeping` = task − the others. */
  ms?: Record<string, number>;
  /** CPU seconds (user + system, every thread) of the tasks, where the runner measures it (`tessera count --profile`). */
  cpuSeconds?: number;
}

/** Summarise a profile array (summed over tasks and workers). */
export function profileReport(q: ArrayLike<number>, timed: boolean): LpProfileReport {
  const pivots = q[P.Pivots], solves = q[P.Solves];
  const per = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(3)) : 0);
  const report: LpProfileReport = {
    solves,
    pivots,
    pivotsPerLp: per(pivots, solves),
    pivotsPerChildLp: per(q[P.ChildPivots], q[P.ChildSolves]),
    childLps: q[P.ChildSolves],
    flipsPerPivot: per(q[P.Flips], pivots),
    candidatesPerPivot: per(q[P.Candidates], pivots),
    degenerateShare: per(q[P.DegenerateSteps], pivots),
    enterStructuralShare: per(q[P.EnterStructural], pivots),
    leaveNewestShare: per(q[P.LeaveNewest], pivots),
    refactors: q[P.Refactors],
    pivotsPerBelowLp: per(q[P.BelowPivots], q[P.Below]),
    certificateHits: q[P.CertificateHits],
    pivotsPerOptimalLp: per(q[P.OptimalPivots], q[P.Optimal]),
    stalledShare: per(q[P.StalledPivots], pivots),
    flatLps: q[P.FlatSolves],
    pivotsPerFlatLp: per(q[P.FlatPivots], q[P.FlatSolves]),
    status: { optimal: q[P.Optimal], below: q[P.Below], infeasible: q[P.Infeasible], failed: q[P.Failed] },
    histogram: PIVOT_BINS.map((edge, b): [number, number] => [edge, q[P.Hist + b]]),
  };
  if (timed) {
    const ms: Record<string, number> = {};
    let inside = 0;
    PROFILE_PHASES.forEach((name, k) => {
      ms[name] = Number(q[P.Time + k].toFixed(1));
      if (name !== "task") inside += q[P.Time + k];
    });
    ms.bookkeeping = Number(Math.max(0, q[P.Time + PROFILE_PHASES.length - 1] - inside).toFixed(1));
    report.ms = ms;
  }
  return report;
}
