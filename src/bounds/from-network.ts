/**
 * Bounds for a concrete network: its architecture plus the units that are stable over an input domain. The
 * pre-activation bounds come from a pluggable source (interval arithmetic by default; LP tightening can replace it).
 */
import type { Box, Network } from "../model/network.ts";
import { activationName, hiddenLayers, hiddenWidths } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";
import { changeInputs, normaliseUnits, unitScaleChange } from "../model/normalise.ts";
import { intervalBounds, stableUnitsFromBounds, type PreActivationBounds } from "../tighten/interval.ts";
import type { BoundsActivation, BoundsSpec } from "./all-bounds.ts";

/** A method that bounds every hidden pre-activation over a box (sound: the true range lies inside). */
export interface PreActivationBoundSource {
  /** Short name shown in output, e.g. "interval arithmetic". */
  name: string;
  bounds(net: Network, box: Box): PreActivationBounds | Promise<PreActivationBounds>;
}

/** Interval bound propagation (src/tighten/interval.ts): exact for layer 1, looser deeper. */
export const INTERVAL_BOUNDS: PreActivationBoundSource = { name: "interval arithmetic", bounds: intervalBounds };

/** The single hidden activation of a network, or a ModelError when hidden layers differ or there are none. */
export function boundsActivationOf(net: Network): BoundsActivation {
  const hidden = hiddenLayers(net);
  if (hidden.length === 0) throw new ModelError("the network has no hidden layer: a single affine map has one linear region");
  const names = [...new Set(hidden.map((l) => activationName(l.activation)))];
  if (names.length > 1) throw new ModelError(`bounds need one activation in every hidden layer; this network mixes ${names.join(", ")}`);
  const a = hidden[0].activation;
  switch (a.kind) {
    case "relu": return { kind: "relu" };
    case "leaky-relu": return { kind: "leaky-relu" };
    case "maxout": return { kind: "maxout", rank: a.rank };
    case "identity": throw new ModelError("a hidden layer without activation (identity) is not supported by the bounds");
    case "per-unit": throw new ModelError("the published bounds assume one activation per layer and no skip connections; this network has per-unit activations or residual pass-through units (from PReLU per channel or a residual Add)");
  }
}

/** Describe a box briefly: `[0, 1]^784` when uniform, else `a box in R^n`. */
export function describeBox(box: Box): string {
  const n = box.lo.length;
  const uniform = box.lo.every((v) => v === box.lo[0]) && box.hi.every((v) => v === box.hi[0]);
  return uniform ? `[${box.lo[0]}, ${box.hi[0]}]^${n}` : `a box in R^${n}`;
}

/**
 * The {@link BoundsSpec} of a network; with a domain, stable units over it are found with `source` (interval
 * arithmetic unless given) and attached, so {@link allBounds} adds the stable-unit bound.
 */
export async function boundsSpecFromNetwork(
  net: Network,
  domain?: Box,
  source: PreActivationBoundSource = INTERVAL_BOUNDS,
): Promise<BoundsSpec> {
  const activation = boundsActivationOf(net);
  const spec: BoundsSpec = { inputDim: net.inputDim, widths: hiddenWidths(net), activation };
  if (!domain) return spec;
  if (domain.lo.length !== net.inputDim || domain.hi.length !== net.inputDim) {
    throw new ModelError(`the domain has ${domain.lo.length} coordinates, the network takes ${net.inputDim} inputs`);
  }
  // Stability is found on the problem at unit scale (inputs by powers of four, units by powers of two: exact, and the
  // signs of every pre-activation are kept), so that the LP's and the intervals' arithmetic judges the geometry and
  // not the units of the weights: 1e300 weights no longer reach HiGHS, 1e-300 weights no longer underflow. Throws
  // ScaleError when no rescaling brings the problem into the double range.
  const changed = changeInputs(net, domain, unitScaleChange(domain));
  const unit = normaliseUnits(changed.net).net;
  const stable = stableUnitsFromBounds(unit, await source.bounds(unit, changed.box));
  return { ...spec, stable: { ...stable, method: `${source.name} over ${describeBox(domain)}` } };
}
