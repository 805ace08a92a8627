/**
 * Training of fully connected ReLU / leaky-ReLU classifiers with TensorFlow.js (wasm backend): dense hidden layers,
 * softmax cross-entropy on the last affine layer, Adam, mini-batches, through the trainer the explorer uses
 * (./trainer.ts). Reproducible: the initial weights are drawn from mulberry32(seed) (Glorot or He uniform) and every
 * epoch's shuffle is a seeded permutation, so one seed gives bit-identical weights on every run. The result is a Tessera {@link Network} holding the float32
 * weights exactly as float64. Node only (through ./tensorflow.ts).
 */
import type { Network } from "../model/network.ts";
import { validateNetwork } from "../model/validate.ts";
import type { Samples, TrainingData } from "./data.ts";
import { loadTensorflow } from "./tensorflow.ts";
import { MlpTrainer, type TrainData } from "./trainer.ts";

/** Training failed (diverged, impossible options): a one-line message. */
export class TrainingError extends Error {
  override name = "TrainingError";
}

/** Slope of leaky ReLU on the negative side: PyTorch's default (Tessera's `leaky-relu(alpha)` follows PyTorch). */
export const DEFAULT_LEAKY_ALPHA = 0.01;

/** Options of {@link trainMlp}. Defaults: 20 epochs, batch 64, learning rate 0.001, ReLU, Glorot uniform, seed 1. */
export interface TrainOptions {
  /** Hidden layer widths n_1…n_L (the output width is the data's class count). */
  hidden: readonly number[];
  activation?: "relu" | "leaky";
  /** Negative-side slope of leaky ReLU (default {@link DEFAULT_LEAKY_ALPHA}). */
  alpha?: number;
  epochs?: number;
  batch?: number;
  /** Adam's learning rate. */
  lr?: number;
  seed?: number;
  /** Weight initialiser: Glorot uniform (Keras' default) or He uniform; biases start at 0. */
  init?: "glorot" | "he";
  /** Also evaluate (and report as epoch 0) the network at initialisation. */
  reportInitial?: boolean;
}

/** Loss and error after one epoch (epoch 0: at initialisation), over the training and the test samples. */
export interface EpochReport {
  epoch: number;
  epochs: number;
  trainLoss: number;
  /** Fraction of misclassified training samples. */
  trainError: number;
  testLoss: number;
  testError: number;
  /** Seconds since training started. */
  seconds: number;
}

/** Called after every epoch with its report and a function that converts the current weights to a Network. */
export type EpochCallback = (report: EpochReport, network: () => Network) => void | Promise<void>;

/** The trained network and its history. */
export interface TrainResult {
  network: Network;
  history: EpochReport[];
  final: EpochReport;
  seconds: number;
}

/** The options with defaults filled in, as stored in a trained model's metadata. */
export interface ResolvedTrainOptions {
  hidden: number[];
  activation: "relu" | "leaky";
  alpha: number;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  init: "glorot" | "he";
}

/** Fill in the defaults and check every option; throws {@link TrainingError}. */
export function resolveTrainOptions(o: TrainOptions): ResolvedTrainOptions {
  const r: ResolvedTrainOptions = {
    hidden: [...o.hidden],
    activation: o.activation ?? "relu",
    alpha: o.alpha ?? DEFAULT_LEAKY_ALPHA,
    epochs: o.epochs ?? 20,
    batch: o.batch ?? 64,
    lr: o.lr ?? 0.001,
    seed: o.seed ?? 1,
    init: o.init ?? "glorot",
  };
  if (r.hidden.length === 0 || r.hidden.some((w) => !Number.isInteger(w) || w < 1)) throw new TrainingError(`hidden widths must be positive integers, got [${r.hidden.join(", ")}]`);
  if (!Number.isInteger(r.epochs) || r.epochs < 0) throw new TrainingError(`epochs must be an integer >= 0, got ${r.epochs}`);
  if (!Number.isInteger(r.batch) || r.batch < 1) throw new TrainingError(`batch size must be a positive integer, got ${r.batch}`);
  if (!(r.lr > 0 && Number.isFinite(r.lr))) throw new TrainingError(`learning rate must be a positive number, got ${r.lr}`);
  if (!Number.isInteger(r.seed)) throw new TrainingError(`seed must be an integer, got ${r.seed}`);
  if (!(r.alpha >= 0 && r.alpha < 1)) throw new TrainingError(`leaky ReLU slope must be in [0, 1), got ${r.alpha}`);
  return r;
}

/** Largest finite float32: TF.js computes in float32. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Version of the training procedure recorded in the metadata: one seed gives the same weights within a version. */
export const TRAINER_VERSION = 2;

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** The samples as the trainer takes them: float32 coordinates (TF.js refuses float64; 2-D sets are rounded) and labels. */
function trainData(data: TrainingData): TrainData {
  const f32 = (s: Samples) => (s.x instanceof Float32Array ? s.x : Float32Array.from(s.x));
  return { dim: data.dim, classes: data.classes, trainX: f32(data.train), trainY: Int32Array.from(data.train.y), testX: f32(data.test), testY: Int32Array.from(data.test.y) };
}

/**
 * Train an MLP on `data` with Adam (src/train/trainer.ts, the trainer the explorer uses too) and return it as a
 * Tessera network (hidden layers ReLU or leaky ReLU, identity output).
 *
 * @example
 * const data = loadTrainingData("spiral", { noise: 0.1 });
 * const { network, final } = await trainMlp(data, { hidden: [16, 16], epochs: 50, seed: 3 });
 */
export async function trainMlp(data: TrainingData, options: TrainOptions, onEpoch?: EpochCallback): Promise<TrainResult> {
  const o = resolveTrainOptions(options);
  if (data.train.count === 0) throw new TrainingError("no training samples");
  for (const [name, set] of [["training", data.train], ["test", data.test]] as const) {
    const bad = set.x.findIndex((v) => !Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX);
    if (bad >= 0) throw new TrainingError(`${name} sample ${Math.floor(bad / data.dim)} has the value ${set.x[bad]}, not a finite float32 number`);
  }
  const tf = await loadTensorflow();
  const t0 = performance.now();
  const trainer = new MlpTrainer(tf, {
    widths: o.hidden,
    activation: o.activation === "leaky" ? "leaky-relu" : "relu",
    alpha: o.alpha,
    learningRate: o.lr,
    batchSize: o.batch,
    seed: o.seed,
    optimizer: "adam",
    init: o.init,
  }, trainData(data));
  const snapshot = () => {
    const net = trainer.network();
    validateNetwork(net);
    return net;
  };
  const history: EpochReport[] = [];
  const report = async (epoch: number) => {
    const m = trainer.metrics();
    // Diverged: the loss is not finite, or its sum over the training set overflows float32, the precision the network
    // trains in (the loss is averaged in float64 by the trainer; TF.js's own float32 loss would be Infinity there).
    if (!Number.isFinite(m.trainLoss) || m.trainLoss * data.train.count > FLOAT32_MAX) throw new TrainingError(`training diverged: the training loss is ${m.trainLoss} after epoch ${epoch} (lower the learning rate)`);
    // Accuracies are exact fractions correct / n: the errors are (n − correct) / n, computed without 1 − x rounding.
    const error = (accuracy: number, n: number) => (n - Math.round(accuracy * n)) / n;
    const r: EpochReport = {
      epoch, epochs: o.epochs, trainLoss: m.trainLoss, trainError: error(m.trainAccuracy, data.train.count),
      testLoss: m.testLoss, testError: data.test.count ? error(m.testAccuracy, data.test.count) : NaN, seconds: seconds(t0),
    };
    history.push(r);
    await onEpoch?.(r, snapshot);
  };
  try {
    if (options.reportInitial) await report(0);
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      trainer.trainEpoch();
      await report(epoch);
    }
    if (history.length === 0) await report(0);
    return { network: snapshot(), history, final: history[history.length - 1], seconds: seconds(t0) };
  } finally {
    trainer.dispose();
  }
}

/** The provenance and results of a training run, as stored in the trained model's `metadata` (JSON values only). */
export function trainingMetadata(data: TrainingData, options: ResolvedTrainOptions, result: TrainResult): Record<string, unknown> {
  const f = result.final;
  return {
    trainedWith: "tessera train (TensorFlow.js 4.22, wasm backend)",
    // 2: initial weights from mulberry32(seed) and shuffles by (seed, epoch), shared with the explorer (2026-12-05);
    // a model of an earlier trainer does not reproduce from its seed with this one.
    trainer: TRAINER_VERSION,
    data: data.name,
    dataProvenance: data.provenance,
    arch: [data.dim, ...options.hidden, data.classes].join(","),
    activation: options.activation === "leaky" ? `leaky-relu(${options.alpha})` : "relu",
    init: options.init,
    seed: options.seed,
    epochs: options.epochs,
    batch: options.batch,
    lr: options.lr,
    optimizer: "Adam",
    trainLoss: f.trainLoss,
    trainError: f.trainError,
    testLoss: f.testLoss,
    testError: f.testError,
    seconds: Number(result.seconds.toFixed(3)),
  };
}
