/** Checks shared by every bound: an architecture is an input dimension n0 ≥ 1 and hidden widths n_1..n_L ≥ 1. */

/** Throw a RangeError unless n0 and every width are positive safe integers and there is at least one layer. */
export function checkArchitecture(n0: number, widths: readonly number[]): void {
  if (!Number.isSafeInteger(n0) || n0 < 1) throw new RangeError(`input dimension must be a positive integer, got ${n0}`);
  if (widths.length === 0) throw new RangeError("at least one hidden layer is needed");
  widths.forEach((w, l) => {
    if (!Number.isSafeInteger(w) || w < 1) throw new RangeError(`hidden layer ${l + 1} width must be a positive integer, got ${w}`);
  });
}

/** Total number of hidden units N = Σ n_l. */
export function totalUnits(widths: readonly number[]): number {
  return widths.reduce((a, b) => a + b, 0);
}

/** d_l = min{n0, n_1, ..., n_l} for every layer l (Montúfar 2017; Serra et al. 2018 maxout bound). */
export function prefixMinDimensions(n0: number, widths: readonly number[]): number[] {
  const d: number[] = [];
  let m = n0;
  for (const w of widths) {
    m = Math.min(m, w);
    d.push(m);
  }
  return d;
}
