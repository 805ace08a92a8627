/**
 * Deep versus shallow (Serra et al. 2018, Section 3.1, "Deep vs shallow for large input dimensions"): a network with
 * hidden widths n_1..n_L beside the one-hidden-layer network with the same number of units N = Σ n_l, whose exact
 * maximal number of regions is Zaslavsky's Σ_{j=0}^{n0} C(N, j).
 */
import { binomialPrefixSum } from "./binomial.ts";
import { checkArchitecture, totalUnits } from "./architecture.ts";
import { montufar2014Lower, serra2018Lower } from "./lower.ts";
import { serra2018Upper } from "./rectifier-upper.ts";

/** The deep architecture's bounds beside the shallow counterpart's exact maximum. */
export interface DeepVsShallow {
  inputDim: number;
  widths: number[];
  units: number;
  /** Exact maximal number of regions of one hidden layer of N ReLUs over R^{n0} (Zaslavsky; tight). */
  shallowExact: bigint;
  /** Serra et al. 2018 Theorem 1 for the deep architecture (for L = 1 it equals shallowExact). */
  deepUpper: bigint;
  /** The best applicable lower bound for the deep architecture (Serra 2018 Theorem 6, Montúfar 2014), or null. */
  deepLower: bigint | null;
  /**
   * "shallow": the shallow maximum exceeds the deep upper bound, so no deep net of this shape beats the best shallow one;
   * "deep": the deep lower bound exceeds the shallow maximum, so some deep net beats every shallow one;
   * "open": the bounds do not decide; "same": L = 1.
   */
  verdict: "shallow" | "deep" | "open" | "same";
}

/** The one-hidden-layer network with N units: Σ_{j=0}^{n0} C(N, j) regions at most, attained in general position. */
export function shallowCounterpart(n0: number, widths: readonly number[]): bigint {
  checkArchitecture(n0, widths);
  // Zaslavsky 1975 for N hyperplanes in R^{n0} (tight for one hidden layer, Serra et al. 2018 Section 2).
  return binomialPrefixSum(totalUnits(widths), n0);
}

/** Compare an architecture with its shallow counterpart using Theorem 1 and the lower bounds. */
export function deepVsShallow(n0: number, widths: readonly number[]): DeepVsShallow {
  const shallowExact = shallowCounterpart(n0, widths);
  const deepUpper = serra2018Upper(n0, widths);
  let deepLower: bigint | null = null;
  for (const b of [serra2018Lower(n0, widths), montufar2014Lower(n0, widths)]) {
    if (b.value !== null && (deepLower === null || b.value > deepLower)) deepLower = b.value;
  }
  // n0 = 1 with every n_l ≥ 3: Serra et al. 2018 Theorem 5 makes Theorem 1 exact, a lower bound too.
  if (n0 === 1 && widths.every((w) => w >= 3) && (deepLower === null || deepUpper > deepLower)) deepLower = deepUpper;
  let verdict: DeepVsShallow["verdict"];
  if (widths.length === 1) verdict = "same";
  else if (shallowExact > deepUpper) verdict = "shallow";
  else if (deepLower !== null && deepLower > shallowExact) verdict = "deep";
  else verdict = "open";
  return { inputDim: n0, widths: [...widths], units: totalUnits(widths), shallowExact, deepUpper, deepLower, verdict };
}
