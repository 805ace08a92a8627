/**
 * Training of fully connected ReLU / leaky-ReLU classifiers with TensorFlow.js (wasm backend): dense hidden layers,
 * softmax cross-entropy on the last affine layer, Adam, mini-batches. Reproducible: the initialisers are seeded
 * (Glorot or He uniform, seeds drawn from mulberry32(seed)) and every epoch's shuffle is a seeded permutation of ours,
 * so one seed gives bit-identical weights on every run. The result is a Tessera {@link Network} holding the float32
 * weights exactly as float64. Node only (through ./tensorflow.ts).
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { seededPermutation } from "../data/dataset.ts";
import type { Activation, DenseLayer, Network } from "../model/network.ts";
import { validateNetwork } from "../model/validate.ts";
import { mulberry32 } from "../util/random.ts";
import type { Samples, TrainingData } from "./data.ts";
import { loadTensorflow } from "./tensorflow.ts";

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

interface Layer {
  kernel: tfTypes.Variable; // [in, out], TF.js / Keras layout
  bias: tfTypes.Variable;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/**
 * Train an MLP on `data` and return it as a Tessera network (hidden layers ReLU or leaky ReLU, identity output).
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
  const widths = [data.dim, ...o.hidden, data.classes];
  // One stream of seeds: one per layer's initialiser, then one per epoch's shuffle.
  const seeds = mulberry32(o.seed);
  const nextSeed = () => Math.floor(seeds() * 2 ** 32);
  const layers: Layer[] = [];
  for (let l = 1; l < widths.length; l++) {
    const init = o.init === "he" ? tf.initializers.heUniform({ seed: nextSeed() }) : tf.initializers.glorotUniform({ seed: nextSeed() });
    const k = init.apply([widths[l - 1], widths[l]]);
    layers.push({ kernel: tf.variable(k, true), bias: tf.variable(tf.zeros([widths[l]]), true) });
    k.dispose();
  }
  const activation: Activation = o.activation === "leaky" ? { kind: "leaky-relu", alpha: o.alpha } : { kind: "relu" };
  const forward = (x: tfTypes.Tensor2D): tfTypes.Tensor2D => {
    let h = x;
    layers.forEach((layer, l) => {
      const g = tf.add(tf.matMul(h, layer.kernel), layer.bias) as tfTypes.Tensor2D;
      h = l === layers.length - 1 ? g : o.activation === "leaky" ? tf.leakyRelu(g, o.alpha) : tf.relu(g);
    });
    return h;
  };
  const toTensors = (s: Samples) => ({
    // TF.js takes float32 (a Float64Array is refused): the 2-D sets are rounded to float32 for training.
    x: tf.tensor2d(s.x instanceof Float32Array ? s.x : Float32Array.from(s.x), [s.count, data.dim], "float32"),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(s.y, "int32"), data.classes).toFloat()),
    labels: s.y,
    count: s.count,
  });
  const train = toTensors(data.train), test = toTensors(data.test);
  const optimizer = tf.train.adam(o.lr);
  const vars = layers.flatMap((l) => [l.kernel, l.bias]);

  const measure = (set: ReturnType<typeof toTensors>): { loss: number; error: number } => {
    if (set.count === 0) return { loss: NaN, error: NaN };
    const [loss, predicted] = tf.tidy(() => {
      const logits = forward(set.x);
      return [tf.losses.softmaxCrossEntropy(set.y, logits), tf.argMax(logits, 1)];
    });
    const lossValue = (loss.dataSync() as Float32Array)[0];
    const p = predicted.dataSync();
    loss.dispose();
    predicted.dispose();
    let wrong = 0;
    for (let i = 0; i < set.count; i++) if (p[i] !== set.labels[i]) wrong++;
    return { loss: lossValue, error: wrong / set.count };
  };
  const snapshot = () => toNetwork(layers, data.dim, activation);
  const history: EpochReport[] = [];
  const report = async (epoch: number) => {
    const tr = measure(train), te = measure(test);
    if (!Number.isFinite(tr.loss)) throw new TrainingError(`training diverged: the training loss is ${tr.loss} after epoch ${epoch} (lower the learning rate)`);
    const r: EpochReport = { epoch, epochs: o.epochs, trainLoss: tr.loss, trainError: tr.error, testLoss: te.loss, testError: te.error, seconds: seconds(t0) };
    history.push(r);
    await onEpoch?.(r, snapshot);
  };

  try {
    if (options.reportInitial) await report(0);
    const n = data.train.count;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const order = seededPermutation(n, nextSeed());
      for (let start = 0; start < n; start += o.batch) {
        const idx = tf.tensor1d(Int32Array.from(order.subarray(start, Math.min(n, start + o.batch))), "int32");
        optimizer.minimize(() => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.gather(train.y, idx), forward(tf.gather(train.x, idx) as tfTypes.Tensor2D))) as tfTypes.Scalar, false, vars);
        idx.dispose();
      }
      await report(epoch);
    }
    if (history.length === 0) await report(0);
    return { network: snapshot(), history, final: history[history.length - 1], seconds: seconds(t0) };
  } finally {
    optimizer.dispose();
    for (const t of [...vars, train.x, train.y, test.x, test.y]) t.dispose();
  }
}

/** The current weights as a Tessera network: kernels [in, out] transposed to row-major [out × in], float32 → float64 exactly. */
function toNetwork(layers: Layer[], inputDim: number, activation: Activation): Network {
  const dense: DenseLayer[] = layers.map((layer, l) => {
    const [inDim, outDim] = layer.kernel.shape as [number, number];
    const k = layer.kernel.dataSync() as Float32Array;
    const weights = new Float64Array(outDim * inDim);
    for (let i = 0; i < inDim; i++) for (let j = 0; j < outDim; j++) weights[j * inDim + i] = k[i * outDim + j];
    return {
      inDim,
      outDim,
      weights,
      bias: Float64Array.from(layer.bias.dataSync() as Float32Array),
      activation: l === layers.length - 1 ? { kind: "identity" } : { ...activation },
    };
  });
  const net: Network = { inputDim, layers: dense };
  validateNetwork(net);
  return net;
}

/** The provenance and results of a training run, as stored in the trained model's `metadata` (JSON values only). */
export function trainingMetadata(data: TrainingData, options: ResolvedTrainOptions, result: TrainResult): Record<string, unknown> {
  const f = result.final;
  return {
    trainedWith: "tessera train (TensorFlow.js 4.22, wasm backend)",
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
