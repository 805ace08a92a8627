/**
 * The margin LP solved by HiGHS: the exact oracle for the few LPs that MarginLP's perturbed answer leaves within the
 * perturbation band of the decision threshold, and the reference MarginLP is tested against.
 */
import type { ExactMarginSolver } from "./exact-margin.ts";
import type { Box } from "../model/network.ts";
import type { Highs } from "./highs.ts";
import { createQuietModel } from "./highs.ts";

/**
 * Maximise t s.t. rows[i] · x − t ≥ rhs[i] (rows: m × n0 row-major), lo ≤ x ≤ hi, with t capped at the box diameter
 * (as MarginLP caps it); the last `equalities` rows are instead rows[i] · x = rhs[i] (as `MarginLP.addEquality`).
 * One fresh HiGHS model per call: the oracle is for rare LPs, not for hot loops.
 */
export function solveMarginWithHighs(
  highs: Highs,
  rows: Float64Array,
  rhs: Float64Array,
  m: number,
  box: Box,
  equalities = 0,
): { t: number; x: Float64Array } {
  const n0 = box.lo.length, n = n0 + 1;
  const starts = new Int32Array(m + 1), indices = new Int32Array(m * n), values = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    starts[i] = i * n;
    for (let j = 0; j < n0; j++) {
      indices[i * n + j] = j;
      values[i * n + j] = rows[i * n0 + j];
    }
    indices[i * n + n0] = n0;
    values[i * n + n0] = i < m - equalities ? -1 : 0;
  }
  starts[m] = m * n;
  const colCost = new Float64Array(n);
  colCost[n0] = 1;
  const colLower = new Float64Array(n), colUpper = new Float64Array(n);
  let diam = 0;
  for (let j = 0; j < n0; j++) {
    colLower[j] = box.lo[j];
    colUpper[j] = box.hi[j];
    diam += (box.hi[j] - box.lo[j]) ** 2;
  }
  colLower[n0] = -highs.infinity;
  colUpper[n0] = Math.sqrt(diam) || 1;
  const model = createQuietModel(highs);
  try {
    model.passModel({
      numCols: n,
      numRows: m,
      sense: highs.constants.objectiveSense.maximize,
      colCost,
      colLower,
      colUpper,
      rowLower: Float64Array.from(rhs.subarray(0, m)),
      rowUpper: Float64Array.from({ length: m }, (_, i) => (i < m - equalities ? highs.infinity : rhs[i])),
      matrix: { format: "csr", numRows: m, numCols: n, starts, indices, values },
    });
    model.run();
    const sol = model.getSolution();
    return { t: sol.colValue[n0], x: Float64Array.from(sol.colValue.subarray(0, n0)) };
  } finally {
    model.dispose();
  }
}

/** An {@link ExactMarginSolver} backed by a loaded HiGHS runtime. */
export function highsMarginSolver(highs: Highs): ExactMarginSolver {
  return (rows, rhs, m, box) => solveMarginWithHighs(highs, rows, rhs, m, box);
}
