/**
 * The rectifier upper bound with stable units: units whose pre-activation keeps one sign over the whole input
 * domain do not cut it. Idea of Serra & Ramalingam (AAAI 2020, arXiv 1810.03370, "activation-based bound"); their
 * exact statement was not reachable, so Tessera implements the sound form below and names it "Serra et al. 2018
 * bound with stable units". It bounds the regions inside the domain the stable counts were computed for, only.
 */
import { checkArchitecture } from "./architecture.ts";
import { dimensionDpStep } from "./rectifier-upper.ts";
import type { StableUnitCounts } from "../tighten/interval.ts";

export type { StableUnitCounts };

/** Throw unless `stable` has one non-negative pair per layer with a_l + i_l ≤ n_l. */
export function checkStableCounts(widths: readonly number[], stable: StableUnitCounts): void {
  const { active, inactive } = stable;
  if (active.length !== widths.length || inactive.length !== widths.length) {
    throw new RangeError(`stable-unit counts for ${active.length}/${inactive.length} layers, the network has ${widths.length}`);
  }
  widths.forEach((w, l) => {
    const a = active[l], i = inactive[l];
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(i) || a < 0 || i < 0 || a + i > w) {
      throw new RangeError(`layer ${l + 1}: ${a} active + ${i} inactive stable units do not fit in ${w} units`);
    }
  });
}

/**
 * Σ_{J'} ∏_l C(u_l, j_l), J' = {0 ≤ j_l ≤ min{n0, a_1 + u_1 − j_1, ..., a_{l−1} + u_{l−1} − j_{l−1}, u_l}} with
 * u_l = n_l − a_l − i_l unstable units: only unstable hyperplanes cut, and a region with j_l of layer l's unstable
 * units inactive passes on at most a_l + u_l − j_l dimensions. A dynamic programme over (layer, dimension cap).
 * Equals {@link serra2018Upper} when nothing is stable and never exceeds it.
 */
export function serra2018StableUpper(n0: number, widths: readonly number[], stable: StableUnitCounts): bigint {
  checkArchitecture(n0, widths);
  checkStableCounts(widths, stable);
  // After Serra & Ramalingam 2020 (activation-based bound), in the form of Serra et al. 2018 Theorem 1.
  let ways = new Map<number, bigint>([[n0, 1n]]);
  widths.forEach((w, l) => {
    const a = stable.active[l];
    const u = w - a - stable.inactive[l];
    ways = dimensionDpStep(ways, u, a + u);
  });
  let total = 0n;
  for (const c of ways.values()) total += c;
  return total;
}
