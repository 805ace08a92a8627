import { applyDense, activate } from "../model/evaluate.ts";
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, outputWidthOf } from "../model/network.ts";
import { mulberry32 } from "../util/random.ts";
import { requireLayerwise } from "../model/lower.ts";

/** Random points of the domain used to spot units that take both signs (stability can then be ruled out). */
export const UNSTABLE_SAMPLE_POINTS = 256;

/**
 * Per hidden layer, 1 for each ReLU / leaky-ReLU unit whose pre-activation is strictly positive at one sample point
 * of the box and strictly negative at another: a certificate that the unit is not stable on the domain. Seeded and
 * deterministic; maxout units are never marked.
 */
export function unitsSeenUnstable(net: Network, box: Box, samples = UNSTABLE_SAMPLE_POINTS, seed = 7): Uint8Array[] {
  requireLayerwise(net, "sampling unstable units");
  const hidden = hiddenLayers(net);
  const pos = hidden.map((l) => new Uint8Array(l.outDim)), neg = hidden.map((l) => new Uint8Array(l.outDim));
  const rand = mulberry32(seed);
  for (let s = 0; s < samples; s++) {
    let h = new Float64Array(net.inputDim);
    for (let j = 0; j < h.length; j++) h[j] = box.lo[j] + (box.hi[j] - box.lo[j]) * rand();
    hidden.forEach((layer, l) => {
      const g = applyDense(layer, h, new Float64Array(layer.outDim));
      for (let r = 0; r < layer.outDim; r++) {
        if (g[r] > 0) pos[l][r] = 1;
        else if (g[r] < 0) neg[l][r] = 1;
      }
      const out = new Float64Array(outputWidthOf(layer));
      activate(layer, g, out);
      h = out;
    });
  }
  return hidden.map((layer, l) =>
    layer.activation.kind === "relu" || layer.activation.kind === "leaky-relu"
      ? pos[l].map((p, r) => p & neg[l][r])
      : new Uint8Array(layer.outDim),
  );
}
