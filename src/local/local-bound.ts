/**
 * The local upper bound on the number of linear regions that meet a ball, after Zhu, Lin & Tang 2020 ("Bounding the
 * number of linear regions in local area for neural networks with ReLU activations", arXiv 2007.06803): a unit whose
 * pre-activation keeps its sign over the ball does not cut it, so only the units unstable over the ball count, and the
 * stable-unit form of the rectifier bound (shared/reference/linear-regions.md, "Local bound in a ball") applies with
 * the stable counts over the ball. Their exact statement was not reachable; this is the sound form the reference
 * gives. Core-safe.
 */
import { binomialPrefixSum } from "../bounds/binomial.ts";
import { prefixMinDimensions } from "../bounds/architecture.ts";
import { boundsActivationOf } from "../bounds/from-network.ts";
import { serra2018MaxoutUpper } from "../bounds/maxout.ts";
import { serra2018StableUpper, type StableUnitCounts } from "../bounds/stable-units.ts";
import type { Network } from "../model/network.ts";
import { hiddenWidths } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";
import { stableUnitsFromBounds, type PreActivationBounds } from "../tighten/interval.ts";
import { requireLayerwise } from "../model/lower.ts";

/** The local bound and what it was computed from. */
export interface LocalBound {
  /** Upper bound on the regions meeting the ball (BigInt), or null when no local bound applies (then `notApplicable`). */
  value: bigint | null;
  notApplicable?: string;
  /** Units stable over the ball ∩ domain, per hidden layer. */
  stable: StableUnitCounts;
  /** Which bound formula gave `value`. */
  formula: string;
}

/** Name under which the bound is reported. */
export const LOCAL_BOUND_SOURCE = "after Zhu, Lin & Tang 2020";

/**
 * The local upper bound from pre-activation bounds over the ball ∩ domain ({@link ballPreActivationBounds}).
 * ReLU: Σ_{J'} ∏_l C(u_l, j_l) with the dimension caps of the stable-unit bound (Serra et al. 2018 Theorem 1 with
 * stable units); leaky ReLU: ∏_l Σ_{j ≤ d_l} C(u_l, j), d_l = min{n0, n_1, …, n_l} (inactive units keep a slope, so
 * no dimension is lost); maxout: the Serra et al. 2018 maxout bound over the unstable units. u_l = unstable units.
 */
export function localUpperBound(net: Network, bounds: PreActivationBounds): LocalBound {
  requireLayerwise(net, "the local bound");
  const stable = stableUnitsFromBounds(net, bounds);
  let activation;
  try {
    activation = boundsActivationOf(net);
  } catch (err) {
    if (err instanceof ModelError) return { value: null, notApplicable: err.message, stable, formula: "none" };
    throw err;
  }
  const n0 = net.inputDim, widths = hiddenWidths(net);
  const unstable = widths.map((w, l) => w - stable.active[l] - stable.inactive[l]);
  switch (activation.kind) {
    case "relu":
      // Zhu, Lin & Tang 2020 idea with Serra et al. 2018 Theorem 1 in its stable-unit form (reference, "Local bound").
      return { value: serra2018StableUpper(n0, widths, stable), stable, formula: "rectifier bound with the units stable over the ball" };
    case "leaky-relu": {
      const d = prefixMinDimensions(n0, widths);
      let p = 1n;
      // Zaslavsky per layer in the (at most d_l)-dimensional image, unstable hyperplanes only.
      unstable.forEach((u, l) => (p *= binomialPrefixSum(u, d[l])));
      return { value: p, stable, formula: "product of Σ_{j≤d_l} C(u_l, j) over the units unstable over the ball" };
    }
    case "maxout":
      return {
        value: serra2018MaxoutUpper(n0, widths, activation.rank, unstable),
        stable,
        formula: `maxout bound (rank ${activation.rank}) over the units unstable over the ball`,
      };
  }
}
