/**
 * The explorer's side of training: which loaded networks it can keep training, and the config that matches one.
 * The trainer itself is Tessera's one trainer (src/train/trainer.ts), shared with `tessera train` and the studies.
 */
import { hiddenLayers, type Network, outputDim } from "tessera";
import type { TrainConfig } from "tessera/train";
export { type EpochMetrics, initialNetwork, MlpTrainer, shuffleSeed, type Tf, type TrainActivation, type TrainConfig, type TrainData, type TrainTuning } from "tessera/train";


/**
 * Why a network cannot be trained here (undefined when it can): 2 inputs, dense layers with one ReLU or leaky ReLU
 * activation, and one output per class.
 */
export function untrainableReason(net: Network, classes: number): string | undefined {
  if (net.inputDim !== 2) return `it takes ${net.inputDim} inputs, not 2`;
  const hidden = hiddenLayers(net);
  if (hidden.length === 0) return "it has no hidden layer";
  const kinds = new Set(hidden.map((l) => (l.activation.kind === "leaky-relu" ? `leaky-relu(${l.activation.alpha})` : l.activation.kind)));
  if (kinds.size > 1) return `its hidden layers mix activations (${[...kinds].join(", ")})`;
  const kind = hidden[0].activation.kind;
  if (kind !== "relu" && kind !== "leaky-relu") return `the explorer trains ReLU and leaky ReLU networks, this one is ${kind}`;
  if (outputDim(net) !== classes) return `it has ${outputDim(net)} output${outputDim(net) === 1 ? "" : "s"} and the data have ${classes} classes (training needs one output per class)`;
  return undefined;
}

/** The training config that matches a trainable network (architecture and activation), keeping the other fields. */
export function configOf(net: Network, base: TrainConfig): TrainConfig {
  const hidden = hiddenLayers(net);
  const act = hidden[0].activation;
  return {
    ...base,
    widths: hidden.map((l) => l.outDim),
    activation: act.kind === "leaky-relu" ? "leaky-relu" : "relu",
    alpha: act.kind === "leaky-relu" ? act.alpha : base.alpha,
  };
}

