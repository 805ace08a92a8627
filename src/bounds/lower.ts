/**
 * Lower bounds on the maximal number of linear regions of rectifier networks: for the architecture, some choice of
 * weights attains at least this many. Each applies only under its condition; outside it the result says why.
 */
import { binomialPrefixSum } from "./binomial.ts";
import { checkArchitecture } from "./architecture.ts";

/** A bound that either has a value or does not apply, with the reason. */
export type BoundValue = { value: bigint } | { value: null; notApplicable: string };

function pow(base: bigint, exp: number): bigint {
  return base ** BigInt(exp);
}

/**
 * Montúfar, Pascanu, Cho & Bengio 2014 (NeurIPS; cited as their Theorem 5 by Serra et al. 2018, Section 3), when
 * n_l ≥ n0 for every l:
 * (∏_{l=1}^{L−1} ⌊n_l / n0⌋^{n0}) · Σ_{j=0}^{n0} C(n_L, j).
 */
export function montufar2014Lower(n0: number, widths: readonly number[]): BoundValue {
  checkArchitecture(n0, widths);
  const bad = widths.findIndex((w) => w < n0);
  if (bad >= 0) return { value: null, notApplicable: `needs n_l ≥ n0 = ${n0} in every layer (layer ${bad + 1} has ${widths[bad]})` };
  let p = 1n;
  // Montúfar et al. 2014 lower bound (restated in Serra et al. 2018, Section 3): ⌊n_l/n0⌋^{n0} per folding layer.
  for (const w of widths.slice(0, -1)) p *= pow(BigInt(Math.floor(w / n0)), n0);
  return { value: p * binomialPrefixSum(widths[widths.length - 1], n0) };
}

/**
 * Serra, Tjandraatmadja & Ramalingam 2018 improved lower bound (Section 3.3, Theorem 6 of the 2018 ICLR
 * submission text of arXiv 1711.02114), when n_l ≥ 3·n0 for every l: (∏_{l=1}^{L−1} (⌊n_l / n0⌋ + 1)^{n0}) · Σ_{j=0}^{n0} C(n_L, j).
 */
export function serra2018Lower(n0: number, widths: readonly number[]): BoundValue {
  checkArchitecture(n0, widths);
  const bad = widths.findIndex((w) => w < 3 * n0);
  if (bad >= 0) return { value: null, notApplicable: `needs n_l ≥ 3·n0 = ${3 * n0} in every layer (layer ${bad + 1} has ${widths[bad]})` };
  let p = 1n;
  // Serra et al. 2018, Theorem 6 (Section 3.3): (⌊n_l/n0⌋ + 1)^{n0} per folding layer.
  for (const w of widths.slice(0, -1)) p *= pow(BigInt(Math.floor(w / n0) + 1), n0);
  return { value: p * binomialPrefixSum(widths[widths.length - 1], n0) };
}
