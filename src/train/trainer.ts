/**
 * The one MLP trainer of Tessera (`tessera train`, the studies and the browser explorer): dense layers with ReLU or
 * leaky ReLU, an affine output layer with softmax cross-entropy (one output with real targets: mean squared error), Adam or plain SGD, in TF.js (tfjs-core ops, no
 * Layers API). Reproducible: the initial weights come from our seeded generator (Glorot & Bengio 2010 uniform or He
 * et al. 2015 uniform, zero biases, as Keras's initialisers) and every epoch's shuffle is a seeded permutation, so
 * one seed gives the same weights on every run of the same backend. Isomorphic: the caller passes in a TF.js
 * namespace with gradients registered (tfjs-core with a backend in the explorer's Web Worker, @tensorflow/tfjs on
 * its wasm backend in Node).
 */

/** The TF.js namespace a trainer computes with (tfjs-core's API; gradients must be registered). */
export type Tf = typeof TF;
import type * as TF from "@tensorflow/tfjs-core";
import type { Activation, DenseLayer, Network } from "../model/network.ts";
import { seededPermutation } from "../data/dataset.ts";
import { mulberry32, uniform } from "../util/random.ts";

/** Hidden activations the trainer knows (the breakpoint of both is 0, so the partition code treats them alike). */
export type TrainActivation = "relu" | "leaky-relu";

/** Everything that defines a training run: the same config and data give the same weights. */
export interface TrainConfig {
  /** Hidden layer widths, e.g. [8, 8] for 2-8-8-K. */
  widths: number[];
  activation: TrainActivation;
  /** Slope of leaky ReLU on the negative side. */
  alpha: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  optimizer: "adam" | "sgd";
  /** Initial weights: Glorot uniform (the default, Keras's) or He uniform. */
  init?: "glorot" | "he";
  /**
   * Weight penalty added to the loss, on the kernels (not the biases), as Keras's regularizers: L1 adds
   * rate · Σ|w|, L2 adds rate · Σ w² (absent or "none": no penalty). Either keeps the network piecewise linear.
   */
  regularization?: "none" | "l1" | "l2";
  regularizationRate?: number;
}

/** The settings a running training can change without starting over (the weights stay). */
export type TrainTuning = Pick<TrainConfig, "learningRate" | "batchSize" | "optimizer" | "regularization" | "regularizationRate">;

/**
 * Training and test points as TF.js wants them: float32 coordinates (`dim` per point, 2 when absent) and integer labels,
 * or, for a regression, real targets (`trainT`, `testT`; then `classes` is 1, the labels are not used, and the one
 * output is trained with mean squared error).
 */
export interface TrainData {
  dim?: number;
  trainX: Float32Array;
  trainY: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  classes: number;
  trainT?: Float32Array;
  testT?: Float32Array;
}

/**
 * Mean softmax cross-entropy and accuracy on the training and test points (NaN when a set is empty); for a regression,
 * the mean squared error and NaN accuracy.
 */
export interface EpochMetrics {
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

/** Offset mixed into the seed of epoch e's shuffle, so that shuffles differ from the data's own split seeds. */
const SHUFFLE_SEED_STRIDE = 0x9e3779b1;

/** The seed of epoch `epoch`'s shuffle: one seeded permutation per (seed, epoch). */
export function shuffleSeed(seed: number, epoch: number): number {
  return (Math.imul(seed, 2654435761) + Math.imul(epoch + 1, SHUFFLE_SEED_STRIDE)) | 0;
}

/**
 * Seeded initial weights and zero biases for a d-w1-…-K network, drawn from mulberry32(seed) layer by layer in
 * row-major [out × in] order: Glorot uniform (Glorot & Bengio 2010, eq. 16: U[±√(6/(n_in+n_out))]) or He uniform
 * (He et al. 2015, as Keras's he_uniform: U[±√(6/n_in)]).
 */
export function initialNetwork(config: TrainConfig, classes: number, inputDim = 2): Network {
  const rand = mulberry32(config.seed);
  const dims = [inputDim, ...config.widths, classes];
  const hidden: Activation = config.activation === "relu" ? { kind: "relu" } : { kind: "leaky-relu", alpha: config.alpha };
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const inDim = dims[l], outDim = dims[l + 1];
    const limit = config.init === "he" ? Math.sqrt(6 / inDim) : Math.sqrt(6 / (inDim + outDim));
    const weights = new Float64Array(outDim * inDim);
    // Round to float32 here so that the network and its TF.js copy hold the same numbers.
    for (let i = 0; i < weights.length; i++) weights[i] = Math.fround(uniform(rand, -limit, limit));
    layers.push({ inDim, outDim, weights, bias: new Float64Array(outDim), activation: l + 2 < dims.length ? hidden : { kind: "identity" } });
  }
  return { inputDim, layers };
}

/** TF.js kernels are [in, out]; networks keep [out × in] row-major. */
function transposeToTf(layer: DenseLayer): Float32Array {
  const out = new Float32Array(layer.inDim * layer.outDim);
  for (let r = 0; r < layer.outDim; r++) for (let k = 0; k < layer.inDim; k++) out[k * layer.outDim + r] = layer.weights[r * layer.inDim + k];
  return out;
}

/** A running training: TF.js variables, the optimizer and the epoch counter. Call {@link dispose} when done. */
export class MlpTrainer {
  epoch = 0;
  private readonly kernels: TF.Variable[] = [];
  private readonly biases: TF.Variable[] = [];
  private optimizer: TF.Optimizer;
  /** The config in use: architecture and seed as constructed, tuning as last set by {@link retune}. */
  config: TrainConfig;
  private readonly trainX: TF.Tensor2D;
  /** One-hot labels, or the regression targets as a column. */
  private readonly trainTarget: TF.Tensor2D;
  private readonly testX: TF.Tensor2D;

  /** Start from `initial` (a trainable network, see {@link untrainableReason}) or from the seeded initial weights. */
  constructor(private readonly tf: Tf, config: TrainConfig, readonly data: TrainData, initial?: Network) {
    this.config = { ...config };
    const dim = data.dim ?? 2;
    const net = initial ?? initialNetwork(config, data.classes, dim);
    for (const layer of net.layers) {
      // tf.variable copies its initial value: the temporary tensors are disposed here.
      const k = tf.tensor2d(transposeToTf(layer), [layer.inDim, layer.outDim]), b = tf.tensor1d(Float32Array.from(layer.bias));
      this.kernels.push(tf.variable(k));
      this.biases.push(tf.variable(b));
      k.dispose();
      b.dispose();
    }
    this.optimizer = this.makeOptimizer();
    const nTrain = data.trainY.length, nTest = data.testY.length;
    this.trainX = tf.tensor2d(data.trainX, [nTrain, dim]);
    if (data.trainT && (data.classes !== 1 || !data.testT)) throw new RangeError("regression data need classes = 1 (one output) and targets for the test points too");
    this.trainTarget = data.trainT
      ? tf.tensor2d(data.trainT, [nTrain, 1])
      : (tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.trainY, "int32"), data.classes), "float32")) as TF.Tensor2D);
    this.testX = tf.tensor2d(data.testX, [nTest, dim]);
  }

  private makeOptimizer(): TF.Optimizer {
    const { optimizer, learningRate } = this.config;
    return optimizer === "adam" ? this.tf.train.adam(learningRate) : this.tf.train.sgd(learningRate);
  }

  /**
   * Change the learning rate, batch size, optimizer or regularisation from the next epoch on, keeping the weights.
   * A new learning rate keeps the optimizer's state (Adam's moment estimates); a new optimizer starts a fresh one.
   */
  retune(t: TrainTuning): void {
    const before = this.config;
    this.config = { ...before, ...t };
    if (t.optimizer !== before.optimizer) {
      this.optimizer.dispose();
      this.optimizer = this.makeOptimizer();
    } else if (t.learningRate !== before.learningRate) {
      // SGD keeps the rate as a tensor (setLearningRate); Adam reads its learningRate field at every step
      // (tfjs-core sgd_optimizer.ts, adam_optimizer.ts).
      const opt = this.optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
      if (typeof opt.setLearningRate === "function") opt.setLearningRate(t.learningRate);
      else opt.learningRate = t.learningRate;
    }
  }

  /** The weight penalty of the config (Keras's l1 / l2 regularizers on the kernels), or null for none. */
  private penalty(): TF.Scalar | null {
    const { regularization: kind, regularizationRate: rate = 0 } = this.config;
    if (!kind || kind === "none" || rate === 0) return null;
    const tf = this.tf;
    const terms = this.kernels.map((k) => (kind === "l1" ? tf.sum(tf.abs(k)) : tf.sum(tf.square(k))));
    return tf.mul(rate, tf.addN(terms)) as TF.Scalar;
  }

  /** The logits of a batch of inputs. */
  private logits(x: TF.Tensor2D): TF.Tensor2D {
    const tf = this.tf;
    let h = x;
    const last = this.kernels.length - 1;
    for (let l = 0; l <= last; l++) {
      const g = tf.add(tf.matMul(h, this.kernels[l]), this.biases[l]) as TF.Tensor2D;
      h = l === last ? g : this.config.activation === "relu" ? tf.relu(g) : tf.leakyRelu(g, this.config.alpha);
    }
    return h;
  }

  /** One pass over the training points in a seeded order, in mini-batches of `batchSize`. */
  trainEpoch(): void {
    const tf = this.tf;
    const n = this.data.trainY.length;
    if (n === 0) return;
    const order = seededPermutation(n, shuffleSeed(this.config.seed, this.epoch));
    const indices = Int32Array.from(order);
    const vars = [...this.kernels, ...this.biases];
    for (let start = 0; start < n; start += this.config.batchSize) {
      const batch = indices.subarray(start, Math.min(n, start + this.config.batchSize));
      tf.tidy(() => {
        const idx = tf.tensor1d(batch, "int32");
        const x = tf.gather(this.trainX, idx), y = tf.gather(this.trainTarget, idx);
        this.optimizer.minimize(() => {
          const out = this.logits(x);
          const loss = (this.data.trainT ? tf.losses.meanSquaredError(y, out) : tf.losses.softmaxCrossEntropy(y, out)) as TF.Scalar;
          const penalty = this.penalty();
          return penalty ? (tf.add(loss, penalty) as TF.Scalar) : loss;
        }, false, vars);
      });
    }
    this.epoch++;
  }

  /**
   * Loss and accuracy on the training and test points: the mean softmax cross-entropy in nats, −(1/n) Σ log p(y_i | x_i),
   * and the share of points whose largest logit (the first, on ties, as tf.argMax) is their label. The logits come
   * from TF.js in float32; the log-sum-exp, the mean and the count are computed here in float64, so the loss over
   * 60,000 points carries no float32 summation error.
   */
  metrics(): EpochMetrics {
    const tf = this.tf, k = this.data.classes;
    const measure = (x: TF.Tensor2D, labels: Int32Array): [number, number] => {
      const n = x.shape[0];
      if (n === 0) return [NaN, NaN];
      const z = tf.tidy(() => this.logits(x));
      const logits = z.dataSync();
      z.dispose();
      let loss = 0, correct = 0;
      for (let i = 0; i < n; i++) {
        const row = i * k;
        let best = 0, max = logits[row];
        for (let c = 1; c < k; c++) if (logits[row + c] > max) (max = logits[row + c]), (best = c);
        // log Σ_c exp(z_c) = max + log Σ_c exp(z_c − max): no overflow for large logits.
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(logits[row + c] - max);
        loss += max + Math.log(sum) - logits[row + labels[i]];
        if (best === labels[i]) correct++;
      }
      return [loss / n, correct / n];
    };
    if (this.data.trainT) {
      // Regression: the mean of (f(x_i) − t_i)² in float64 over float32 outputs, the loss trained on.
      const mse = (x: TF.Tensor2D, t: Float32Array): number => {
        if (x.shape[0] === 0) return NaN;
        const z = tf.tidy(() => this.logits(x));
        const out = z.dataSync();
        z.dispose();
        let sum = 0;
        for (let i = 0; i < t.length; i++) sum += (out[i] - t[i]) ** 2;
        return sum / t.length;
      };
      return { trainLoss: mse(this.trainX, this.data.trainT), trainAccuracy: NaN, testLoss: mse(this.testX, this.data.testT!), testAccuracy: NaN };
    }
    const [trainLoss, trainAccuracy] = measure(this.trainX, this.data.trainY);
    const [testLoss, testAccuracy] = measure(this.testX, this.data.testY);
    return { trainLoss, trainAccuracy, testLoss, testAccuracy };
  }

  /** The current weights as a Tessera network (float32 values, exactly, in Float64Arrays). */
  network(): Network {
    const hidden: Activation = this.config.activation === "relu" ? { kind: "relu" } : { kind: "leaky-relu", alpha: this.config.alpha };
    const last = this.kernels.length - 1;
    const layers = this.kernels.map((k, l): DenseLayer => {
      const [inDim, outDim] = k.shape as [number, number];
      const kt = k.dataSync(), weights = new Float64Array(outDim * inDim);
      for (let r = 0; r < outDim; r++) for (let c = 0; c < inDim; c++) weights[r * inDim + c] = kt[c * outDim + r];
      return { inDim, outDim, weights, bias: Float64Array.from(this.biases[l].dataSync()), activation: l === last ? { kind: "identity" } : hidden };
    });
    return { inputDim: layers[0].inDim, layers };
  }

  dispose(): void {
    for (const v of [...this.kernels, ...this.biases]) v.dispose();
    this.optimizer.dispose();
    for (const t of [this.trainX, this.trainTarget, this.testX]) t.dispose();
  }
}
