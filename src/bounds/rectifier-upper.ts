/**
 * Upper bounds on the maximal number of linear regions of rectifier (ReLU) networks with input dimension n0 and
 * hidden widths n_1..n_L, exactly with BigInt. Sources are cited per formula.
 */
import { binomialPrefixSum, binomialRow } from "./binomial.ts";
import { checkArchitecture, prefixMinDimensions, totalUnits } from "./architecture.ts";

/**
 * Zaslavsky (1975): n hyperplanes cut R^d into at most Σ_{j=0}^{d} C(n, j) regions, with equality in general
 * position. For a network with one hidden layer of n1 units over R^{n0} this is the exact maximum.
 */
export function zaslavsky(hyperplanes: number, dimension: number): bigint {
  // Zaslavsky 1975, Σ_{j=0}^{d} C(n, j) for an arrangement in general position.
  return binomialPrefixSum(hyperplanes, dimension);
}

/** Montúfar et al. 2014 (as restated in Serra et al. 2018, Section 3): at most 2^N regions, one per activation pattern. */
export function trivialUpperBound(widths: readonly number[]): bigint {
  // Montúfar, Pascanu, Cho & Bengio 2014: 2^N with N the number of hidden units.
  return 1n << BigInt(totalUnits(widths));
}

/**
 * Raghu et al. 2017, product form: ∏_l Σ_{j=0}^{n0} C(n_l, j). Serra et al. 2018 restate Raghu's bound only as
 * O(n^{L·n0}); this product (each layer an arrangement in the n0-dimensional input) is the form the argument gives.
 */
export function raghu2017Product(n0: number, widths: readonly number[]): bigint {
  checkArchitecture(n0, widths);
  let p = 1n;
  // Raghu, Poole, Kleinberg, Ganguli & Sohl-Dickstein 2017, product over layers of Σ_{j≤n0} C(n_l, j).
  for (const w of widths) p *= binomialPrefixSum(w, n0);
  return p;
}

/** Montúfar 2017: ∏_l Σ_{j=0}^{d_l} C(n_l, j) with d_l = min{n0, n_1, ..., n_l}. */
export function montufar2017(n0: number, widths: readonly number[]): bigint {
  checkArchitecture(n0, widths);
  const d = prefixMinDimensions(n0, widths);
  let p = 1n;
  // Montúfar 2017 (SampTA), as restated in Serra et al. 2018, Section 3: ∏_l Σ_{j≤d_l} C(n_l, j).
  widths.forEach((w, l) => (p *= binomialPrefixSum(w, d[l])));
  return p;
}

/**
 * One layer of the dimension DP shared by the rectifier bound and its stable-unit form: for each incoming cap d,
 * choose j ≤ min(d, jCap) of the `cutting` hyperplanes (weight C(cutting, j)); the next cap is min(d, passOn − j).
 */
export function dimensionDpStep(
  ways: Map<number, bigint>,
  cutting: number,
  passOn: number,
  jCap = Infinity,
): Map<number, bigint> {
  const row = binomialRow(cutting);
  const next = new Map<number, bigint>();
  for (const [d, count] of ways) {
    const top = Math.min(d, cutting, jCap);
    for (let j = 0; j <= top; j++) {
      const d2 = Math.min(d, passOn - j);
      next.set(d2, (next.get(d2) ?? 0n) + count * row[j]);
    }
  }
  return next;
}

/** Options of {@link serra2018Upper}. */
export interface Serra2018Options {
  /**
   * rank(W^l) for every hidden layer: the rank refinement of Serra et al. 2018 (Section 3.1, after Lemma 4) replaces
   * the last term n_l of the cap min{n0, n_1 − j_1, ..., n_{l−1} − j_{l−1}, n_l} by rank(W^l).
   */
  ranks?: readonly number[];
}

/**
 * Serra, Tjandraatmadja & Ramalingam (ICML 2018), rectifier upper bound (arXiv 1711.02114, Section 3.1,
 * Theorem 1): Σ_{(j_1..j_L) ∈ J} ∏_l C(n_l, j_l), J = {0 ≤ j_l ≤ min{n0, n_1 − j_1, ..., n_{l−1} − j_{l−1},
 * n_l}}. Computed as a dynamic programme over (layer, current dimension cap) — O(L · n0 · max n_l) BigInt
 * products instead of enumerating J. Equals Zaslavsky's count for L = 1.
 */
export function serra2018Upper(n0: number, widths: readonly number[], options: Serra2018Options = {}): bigint {
  checkArchitecture(n0, widths);
  const { ranks } = options;
  if (ranks) {
    if (ranks.length !== widths.length) throw new RangeError(`${ranks.length} ranks given for ${widths.length} hidden layers`);
    ranks.forEach((r, l) => {
      if (!Number.isSafeInteger(r) || r < 0) throw new RangeError(`rank of W^${l + 1} must be a non-negative integer, got ${r}`);
    });
  }
  // Serra et al. 2018, Theorem 1: the state is the cap min{n0, n_1 − j_1, ..., n_{l−1} − j_{l−1}} (starts at n0).
  let ways = new Map<number, bigint>([[n0, 1n]]);
  widths.forEach((w, l) => {
    ways = dimensionDpStep(ways, w, w, ranks ? ranks[l] : Infinity);
  });
  let total = 0n;
  for (const c of ways.values()) total += c;
  return total;
}
