import * as highsModule from "highs";
import type { Highs } from "highs";

type HighsRuntime = Highs;
// The package's types describe a CommonJS module while Node loads its ESM build: take the default export at run time.
const highsLoader = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as () => Promise<Highs>;
let cached: Promise<HighsRuntime> | undefined;

/** The HiGHS runtime, loaded once per process (test oracle). */
export function highsOracle(): Promise<HighsRuntime> {
  cached ??= highsLoader();
  return cached;
}

/**
 * Solve max t s.t. rows[i]·x − t ≥ b[i], lo ≤ x ≤ hi, t ≤ tCap with HiGHS: the independent oracle for MarginLP.
 */
export function solveMarginWithHighs(
  highs: HighsRuntime,
  rows: Float64Array[],
  b: number[],
  lo: Float64Array,
  hi: Float64Array,
  tCap: number,
): { t: number; x: Float64Array } {
  const n0 = lo.length, n = n0 + 1, m = rows.length;
  const starts = new Int32Array(m + 1), indices = new Int32Array(m * n), values = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    starts[i] = i * n;
    for (let j = 0; j < n0; j++) {
      indices[i * n + j] = j;
      values[i * n + j] = rows[i][j];
    }
    indices[i * n + n0] = n0;
    values[i * n + n0] = -1;
  }
  starts[m] = m * n;
  const colCost = new Float64Array(n);
  colCost[n0] = 1;
  const colLower = new Float64Array(n), colUpper = new Float64Array(n);
  colLower.set(lo);
  colUpper.set(hi);
  colLower[n0] = -highs.infinity;
  colUpper[n0] = tCap;
  const model = highs.createModel();
  try {
    model.options.set("output_flag", false);
    model.passModel({
      numCols: n,
      numRows: m,
      sense: highs.constants.objectiveSense.maximize,
      colCost,
      colLower,
      colUpper,
      rowLower: Float64Array.from(b),
      rowUpper: new Float64Array(m).fill(highs.infinity),
      matrix: { format: "csr", numRows: m, numCols: n, starts, indices, values },
    });
    model.run();
    const sol = model.getSolution();
    return { t: sol.colValue[n0], x: Float64Array.from(sol.colValue.subarray(0, n0)) };
  } finally {
    model.dispose();
  }
}
