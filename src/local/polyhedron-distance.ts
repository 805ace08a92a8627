/**
 * Distance from a point to a polyhedron {x : rows · x ≥ rhs, x ∈ box} in the 2-norm (the certified dual projection
 * of projection.ts) or the ∞-norm (one LP: min t s.t. |x_j − x0_j| ≤ t, solved by HiGHS). Core-safe.
 */
import type { Box } from "../model/network.ts";
import type { Highs } from "../lp/highs.ts";
import { createQuietModel, runModel } from "../lp/highs.ts";
import type { BallNorm } from "./ball.ts";
import { normOf } from "./ball.ts";
import { projectOntoPolyhedron } from "./projection.ts";

/**
 * HiGHS solves the ∞-norm LP to feasibility tolerance 1e-10 (src/lp/highs.ts); its optimum t is lowered by this much
 * before it is used as a lower bound, so pruning on it stays sound.
 */
export const LINF_LP_MARGIN = 1e-8;

/** Certified bounds on a distance, and a point of the polyhedron attaining `upper` when one was found. */
export interface PolyhedronDistance {
  lower: number;
  upper: number;
  point?: Float64Array;
  /** False when the 2-norm projection stopped at its iteration limit with the bounds apart. */
  converged: boolean;
}

/** Options of {@link polyhedronDistance}. */
export interface PolyhedronDistanceOptions {
  /** HiGHS, needed for the ∞-norm. */
  highs?: Highs;
  /** Only distances below `cap` matter: anything proven ≥ cap (or an empty polyhedron) comes back as lower = ∞. */
  cap?: number;
  /** A point of the polyhedron strictly inside every row (2-norm: lets near-feasible points be repaired). */
  interior?: ArrayLike<number>;
}

/** Distance from x0 to {x : rows · x ≥ rhs (m rows of length n), x ∈ box} in `norm`. */
export function polyhedronDistance(
  x0: ArrayLike<number>,
  rows: Float64Array,
  rhs: Float64Array,
  m: number,
  box: Box,
  norm: BallNorm,
  opts: PolyhedronDistanceOptions = {},
): PolyhedronDistance {
  if (norm === "2") {
    const r = projectOntoPolyhedron(x0, rows, rhs, m, box.lo, box.hi, { cap: opts.cap, interior: opts.interior });
    return { lower: r.lower, upper: r.upper, point: r.point, converged: r.converged };
  }
  if (!opts.highs) throw new Error("the ∞-norm distance to a polyhedron needs HiGHS (pass opts.highs)");
  const cap = opts.cap ?? Infinity;
  // Cheap lower bounds first, each enough to skip the LP when it reaches the cap: one half-space alone (Hölder:
  // (b − a·x0)/‖a‖_1), and ‖·‖_∞ ≥ ‖·‖_2/√n with the fast certified 2-norm projection, which also proves emptiness.
  const n = x0.length;
  for (let i = 0; i < m; i++) {
    let s = rhs[i], l1 = 0;
    for (let j = 0; j < n; j++) {
      s -= rows[i * n + j] * x0[j];
      l1 += Math.abs(rows[i * n + j]);
    }
    if (l1 > 0 && s / l1 >= cap) return { lower: Infinity, upper: Infinity, converged: true };
  }
  const two = projectOntoPolyhedron(x0, rows, rhs, m, box.lo, box.hi, { cap: cap * Math.sqrt(n), interior: opts.interior });
  if (two.lower === Infinity) return { lower: Infinity, upper: Infinity, converged: true };
  return linfDistance(opts.highs, x0, rows, rhs, m, box, cap);
}

/** min t s.t. rows · x ≥ rhs, x ∈ box, x0_j − t ≤ x_j ≤ x0_j + t: one HiGHS LP on a fresh model. */
function linfDistance(
  highs: Highs,
  x0: ArrayLike<number>,
  rows: Float64Array,
  rhs: Float64Array,
  m: number,
  box: Box,
  cap: number,
): PolyhedronDistance {
  const n = x0.length, cols = n + 1, numRows = m + 2 * n;
  const starts = new Int32Array(numRows + 1);
  const nnz = m * n + 4 * n;
  const indices = new Int32Array(nnz), values = new Float64Array(nnz);
  const rowLower = new Float64Array(numRows), rowUpper = new Float64Array(numRows);
  let k = 0;
  for (let i = 0; i < m; i++) {
    starts[i] = k;
    for (let j = 0; j < n; j++) {
      indices[k] = j;
      values[k++] = rows[i * n + j];
    }
    rowLower[i] = rhs[i];
    rowUpper[i] = highs.infinity;
  }
  for (let j = 0; j < n; j++) {
    // x_j + t ≥ x0_j and x_j − t ≤ x0_j.
    for (const [s, r] of [[1, m + 2 * j], [-1, m + 2 * j + 1]] as const) {
      starts[r] = k;
      indices[k] = j;
      values[k++] = 1;
      indices[k] = n;
      values[k++] = s;
      rowLower[r] = s > 0 ? x0[j] : -highs.infinity;
      rowUpper[r] = s > 0 ? highs.infinity : x0[j];
    }
  }
  starts[numRows] = k;
  const colCost = new Float64Array(cols);
  colCost[n] = 1;
  const colLower = new Float64Array(cols), colUpper = new Float64Array(cols);
  for (let j = 0; j < n; j++) {
    colLower[j] = box.lo[j];
    colUpper[j] = box.hi[j];
  }
  colUpper[n] = highs.infinity;
  const model = createQuietModel(highs);
  try {
    model.passModel({
      numCols: cols,
      numRows,
      sense: highs.constants.objectiveSense.minimize,
      colCost,
      colLower,
      colUpper,
      rowLower,
      rowUpper,
      matrix: { format: "csr", numRows, numCols: cols, starts, indices, values },
    });
    const outcome = runModel(highs, model);
    if (outcome === "infeasible") return { lower: Infinity, upper: Infinity, converged: true };
    if (outcome !== "optimal") throw new Error("HiGHS did not solve the ∞-norm distance LP");
    const x = Float64Array.from(model.getSolution().colValue.subarray(0, n));
    const d = new Float64Array(n);
    for (let j = 0; j < n; j++) d[j] = x[j] - x0[j];
    const t = normOf(d, "inf");
    const lower = Math.max(0, t - LINF_LP_MARGIN);
    if (lower >= cap) return { lower: Infinity, upper: Infinity, converged: true };
    return { lower, upper: t, point: x, converged: true };
  } finally {
    model.dispose();
  }
}
