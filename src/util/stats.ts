/**
 * Descriptive statistics and correlations on plain arrays (isomorphic). Order statistics and ranks refuse NaN
 * (a RangeError), since sorting NaN is meaningless; empty input gives NaN.
 */

function checkNoNaN(xs: ArrayLike<number>, what: string): void {
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i])) throw new RangeError(`${what}: NaN at index ${i}`);
}

function sortedCopy(xs: ArrayLike<number>, what: string): Float64Array {
  checkNoNaN(xs, what);
  return Float64Array.from(xs).sort();
}

/** Arithmetic mean (NaN for an empty array). */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/**
 * The q-quantile (q in [0, 1]) by linear interpolation between order statistics: position q·(n − 1) in the sorted
 * data (Hyndman & Fan 1996, definition 7; R's and NumPy's default). NaN for an empty array.
 */
export function quantile(xs: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const s = sortedCopy(xs, "quantile");
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1), k = Math.floor(pos), f = pos - k;
  return f === 0 ? s[k] : s[k] + (s[k + 1] - s[k]) * f;
}

/** Median: the 0.5-quantile (the mean of the two middle values for an even count). */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/** Smallest and largest value ({min: NaN, max: NaN} for an empty array). */
export function minMax(xs: ArrayLike<number>): { min: number; max: number } {
  checkNoNaN(xs, "minMax");
  if (xs.length === 0) return { min: NaN, max: NaN };
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] < min) min = xs[i];
    if (xs[i] > max) max = xs[i];
  }
  return { min, max };
}

/** Ranks 1…n of the values, tied values sharing the average of their ranks (fractional ranking). */
export function ranks(xs: ArrayLike<number>): Float64Array {
  checkNoNaN(xs, "ranks");
  const n = xs.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && xs[order[j + 1]] === xs[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

/**
 * Pearson's correlation coefficient of paired samples (two-pass: means first, then centred sums). NaN when there are
 * fewer than 2 pairs or either sample is constant; a RangeError when the lengths differ.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`pearson: ${x.length} x values but ${y.length} y values`);
  if (x.length < 2) return NaN;
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Spearman's rank correlation: Pearson's coefficient of the ranks, ties given average ranks (Spearman 1904; with
 * ties this is the standard tie-corrected value, not 1 − 6Σd²/(n(n²−1))). NaN when a sample is constant.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`spearman: ${x.length} x values but ${y.length} y values`);
  return pearson(ranks(x), ranks(y));
}

/**
 * Percentile-bootstrap interval of the mean (Efron & Tibshirani 1993, ch. 13): `resamples` means of n values drawn
 * with replacement by `rand` (seed it: the interval is then reproducible), and their (1 − level)/2 and (1 + level)/2
 * quantiles. [NaN, NaN] for an empty sample; a constant sample gives [c, c].
 */
export function bootstrapMeanInterval(xs: ArrayLike<number>, rand: () => number, resamples = 2000, level = 0.95): [number, number] {
  checkNoNaN(xs, "bootstrapMeanInterval");
  const n = xs.length;
  if (n === 0) return [NaN, NaN];
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[Math.floor(rand() * n)];
    means[b] = s / n;
  }
  return [quantile(means, (1 - level) / 2), quantile(means, (1 + level) / 2)];
}

/**
 * Standard normal upper tail P(Z > z), via erfc by the Numerical Recipes rational Chebyshev fit (fractional error
 * below 1.2e-7 everywhere: ample for reporting p-values to two significant figures).
 */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2, t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Result of a Mann–Whitney U test of two independent samples. */
export interface MannWhitney {
  /** U of the first sample: pairs (a, b) with a > b, ties counting one half. */
  u: number;
  /** U / (n_a·n_b): the probability that a value of the first sample exceeds one of the second (ties half). */
  auc: number;
  /** Normal approximation of U, with tie and continuity corrections (0 when every value is tied). */
  z: number;
  /** Two-sided p-value of the normal approximation (sound for samples of about 20 or more each). */
  p: number;
}

/**
 * Mann–Whitney U test (Mann & Whitney 1947) of whether values of `a` tend to exceed those of `b`: U from the rank sum,
 * R_a − n_a(n_a + 1)/2; σ² = n_a·n_b/12 · (n + 1 − Σ(t³ − t)/(n(n − 1))) with t the sizes of tied groups.
 * NaN fields when either sample is empty.
 */
export function mannWhitney(a: ArrayLike<number>, b: ArrayLike<number>): MannWhitney {
  const na = a.length, nb = b.length, n = na + nb;
  if (na === 0 || nb === 0) return { u: NaN, auc: NaN, z: NaN, p: NaN };
  const all = new Float64Array(n);
  for (let i = 0; i < na; i++) all[i] = a[i];
  for (let i = 0; i < nb; i++) all[na + i] = b[i];
  const r = ranks(all);
  let ra = 0;
  for (let i = 0; i < na; i++) ra += r[i];
  const u = ra - (na * (na + 1)) / 2;
  const sorted = Float64Array.from(all).sort();
  let ties = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    ties += t * t * t - t;
    i = j + 1;
  }
  const variance = ((na * nb) / 12) * (n + 1 - ties / (n * (n - 1)));
  const d = u - (na * nb) / 2;
  const z = variance > 0 ? Math.sign(d) * Math.max(0, Math.abs(d) - 0.5) / Math.sqrt(variance) : 0;
  return { u, auc: u / (na * nb), z, p: Math.min(1, 2 * normalUpperTail(Math.abs(z))) };
}
