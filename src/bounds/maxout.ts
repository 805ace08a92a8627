/** Bounds on the maximal number of linear regions of maxout networks of rank k (exact, BigInt). */
import { binomialPrefixSum } from "./binomial.ts";
import { checkArchitecture, prefixMinDimensions, totalUnits } from "./architecture.ts";
import type { BoundValue } from "./lower.ts";

function checkRank(k: number): void {
  if (!Number.isSafeInteger(k) || k < 2) throw new RangeError(`maxout rank must be an integer ≥ 2, got ${k}`);
}

/** k(k−1)/2: the pairwise comparison hyperplanes of one rank-k maxout unit. */
export function maxoutHyperplanesPerUnit(k: number): number {
  checkRank(k);
  return (k * (k - 1)) / 2;
}

/**
 * Serra, Tjandraatmadja & Ramalingam 2018 maxout upper bound (Section 4; Theorem 8 of the ICLR submission text,
 * Theorem 2 on the ICML poster): ∏_l Σ_{j=0}^{d_l} C(k(k−1)/2 · n_l, j), d_l = min{n0, n_1, ..., n_l}.
 * With `unstable` (per layer, ≤ n_l) only those units' hyperplanes are counted: units whose argmax is fixed over a
 * domain do not cut it (a Tessera refinement for a given domain, not a statement of the paper).
 */
export function serra2018MaxoutUpper(n0: number, widths: readonly number[], k: number, unstable?: readonly number[]): bigint {
  checkArchitecture(n0, widths);
  checkRank(k);
  if (unstable && (unstable.length !== widths.length || unstable.some((u, l) => !Number.isSafeInteger(u) || u < 0 || u > widths[l]))) {
    throw new RangeError("unstable maxout unit counts must give one integer 0 ≤ u_l ≤ n_l per layer");
  }
  const m = maxoutHyperplanesPerUnit(k);
  const d = prefixMinDimensions(n0, widths);
  let p = 1n;
  // Serra et al. 2018, maxout bound: ∏_l Σ_{j≤d_l} C(k(k−1)/2 · n_l, j).
  widths.forEach((w, l) => (p *= binomialPrefixSum(m * (unstable ? unstable[l] : w), d[l])));
  return p;
}

/** k^N: one region per maxout activation pattern (argmax of every unit), the maxout analogue of 2^N. */
export function maxoutPatternBound(widths: readonly number[], k: number): bigint {
  checkRank(k);
  // Trivial: N units, k choices of argmax each.
  return BigInt(k) ** BigInt(totalUnits(widths));
}

/**
 * Montúfar, Pascanu, Cho & Bengio 2014 maxout lower bound: a rank-k maxout network with L layers of width n0 can
 * compute functions with at least k^{L−1} · k^{n0} linear regions. The statement was taken from a summary of
 * arXiv 1402.1869v2 (§4, Theorem 8 there); the primary text was not reachable. Tessera also applies it when every
 * n_l ≥ n0: extra units whose first piece exceeds the others by a constant are affine everywhere (no boundary) and
 * get zero outgoing weights, so the width-n0 construction embeds unchanged.
 */
export function montufar2014MaxoutLower(n0: number, widths: readonly number[], k: number): BoundValue {
  checkArchitecture(n0, widths);
  checkRank(k);
  const bad = widths.findIndex((w) => w < n0);
  if (bad >= 0) return { value: null, notApplicable: `needs n_l ≥ n0 = ${n0} in every layer (layer ${bad + 1} has ${widths[bad]})` };
  // Montúfar et al. 2014 (arXiv v2 §4 Theorem 8): k^{L−1} · k^{n0}.
  return { value: BigInt(k) ** BigInt(widths.length - 1 + n0) };
}
