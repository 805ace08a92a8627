import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate } from "../src/model/evaluate.ts";
import { hiddenWidths, type Network } from "../src/model/network.ts";
import { loadTrainingData, type Samples } from "../src/train/data.ts";
import { resolveTrainOptions, trainMlp, TrainingError } from "../src/train/mlp.ts";
import { loadTensorflow } from "../src/train/tensorflow.ts";
import { MlpTrainer } from "../src/train/trainer.ts";

/** Fraction of samples whose argmax output (Tessera's float64 evaluation) differs from the label. */
function errorOf(net: Network, s: Samples, dim: number): number {
  let wrong = 0;
  for (let i = 0; i < s.count; i++) {
    const out = evaluate(net, s.x.subarray(i * dim, (i + 1) * dim)).output;
    let best = 0;
    for (let k = 1; k < out.length; k++) if (out[k] > out[best]) best = k;
    if (best !== s.y[i]) wrong++;
  }
  return wrong / s.count;
}

/** Mean softmax cross-entropy in nats of Tessera's float64 evaluation: −(1/n) Σ log softmax(z)_y, by log-sum-exp. */
function crossEntropyOf(net: Network, s: Samples, dim: number): number {
  let sum = 0;
  for (let i = 0; i < s.count; i++) {
    const z = evaluate(net, s.x.subarray(i * dim, (i + 1) * dim)).output;
    const max = Math.max(...z);
    sum += max + Math.log(z.reduce((t, v) => t + Math.exp(v - max), 0)) - z[s.y[i]];
  }
  return sum / s.count;
}

/**
 * Relative tolerance between the trainer's loss (float32 logits from TF.js, averaged in float64) and a float64
 * evaluation of the same float32 weights: the logits differ by float32 rounding of each layer's sums (~1e-7 relative,
 * a few roundings deep), far below this.
 */
const CE_RELATIVE_TOLERANCE = 1e-5;

function sameWeights(a: Network, b: Network): boolean {
  return a.layers.every((l, i) =>
    l.weights.length === b.layers[i].weights.length &&
    l.weights.every((w, j) => Object.is(w, b.layers[i].weights[j])) &&
    l.bias.every((w, j) => Object.is(w, b.layers[i].bias[j])),
  );
}

describe("trainMlp", () => {
  const spiral = loadTrainingData("spiral", { noise: 0.1 });

  it("one seed gives bit-identical weights on every run; another seed gives other weights", async () => {
    const opts = { hidden: [8, 8], epochs: 4, batch: 32, lr: 0.01, seed: 5 };
    const a = await trainMlp(spiral, opts), b = await trainMlp(spiral, opts), c = await trainMlp(spiral, { ...opts, seed: 6 });
    assert.ok(sameWeights(a.network, b.network), "same seed, same weights");
    assert.deepEqual(a.history.map((h) => h.trainLoss), b.history.map((h) => h.trainLoss));
    assert.ok(!sameWeights(a.network, c.network), "another seed, other weights");
  });

  it("is bit-identical on MNIST too (two runs of one epoch on 1,000 digits of mnist-small)", async () => {
    const mnist = loadTrainingData("mnist-small", { mnistTrain: 1000 });
    const opts = { hidden: [6, 5], epochs: 1, seed: 2 };
    const a = await trainMlp(mnist, opts), b = await trainMlp(mnist, opts);
    assert.ok(sameWeights(a.network, b.network));
    assert.deepEqual(hiddenWidths(a.network), [6, 5]);
    assert.equal(a.network.inputDim, 784);
  });

  it("converts float32 weights to float64 exactly and transposes kernels: Tessera's evaluation reproduces TF.js's errors and cross-entropies", async () => {
    const gauss = loadTrainingData("gauss", { noise: 0.1 });
    const r = await trainMlp(gauss, { hidden: [6], epochs: 30, lr: 0.01, seed: 1 });
    for (const layer of r.network.layers) {
      for (const w of [...layer.weights, ...layer.bias]) assert.equal(Math.fround(w), w, "every weight is a float32 value");
    }
    // Float32 versus float64 arithmetic may flip a sample within ~1e-6 of a tie: allow one such sample.
    assert.ok(Math.abs(errorOf(r.network, gauss.train, 2) - r.final.trainError) <= 1 / gauss.train.count);
    assert.ok(Math.abs(errorOf(r.network, gauss.test, 2) - r.final.testError) <= 1 / gauss.test.count);
    assert.ok(r.final.trainError < 0.05, `two Gaussians are nearly separable: train error ${r.final.trainError}`);
    // The recorded cross-entropies are the mean CE of the saved network, as a float64 evaluation computes it.
    for (const [set, loss] of [[gauss.train, r.final.trainLoss], [gauss.test, r.final.testLoss]] as const) {
      const ce = crossEntropyOf(r.network, set, 2);
      assert.ok(Math.abs(ce - loss) <= CE_RELATIVE_TOLERANCE * ce, `${ce} vs ${loss}`);
    }
  });

  it("reports epoch 0 (initialisation) on request, then every epoch with a decreasing loss on an easy set", async () => {
    const gauss = loadTrainingData("gauss");
    const seen: number[] = [];
    const r = await trainMlp(gauss, { hidden: [4], epochs: 5, lr: 0.02, reportInitial: true }, (rep, net) => {
      seen.push(rep.epoch);
      assert.equal(net().layers.length, 2);
    });
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    assert.ok(r.history[5].trainLoss < r.history[0].trainLoss);
  });

  it("builds leaky-ReLU networks with the given slope", async () => {
    const r = await trainMlp(spiral, { hidden: [4], epochs: 1, activation: "leaky", alpha: 0.1 });
    assert.deepEqual(r.network.layers[0].activation, { kind: "leaky-relu", alpha: 0.1 });
    assert.deepEqual(r.network.layers[1].activation, { kind: "identity" });
  });

  it("rejects impossible options with one-line TrainingErrors", () => {
    assert.throws(() => resolveTrainOptions({ hidden: [] }), TrainingError);
    assert.throws(() => resolveTrainOptions({ hidden: [3], lr: -1 }), /learning rate/);
    assert.throws(() => resolveTrainOptions({ hidden: [3], batch: 0 }), /batch/);
    assert.throws(() => resolveTrainOptions({ hidden: [3], seed: 1.5 }), /seed/);
  });

  it("refuses non-finite samples and reports divergence instead of saving NaN weights", async () => {
    const xor = loadTrainingData("xor");
    const withNaN = { ...xor, train: { ...xor.train, x: xor.train.x.map((v, i) => (i === 7 ? NaN : v)) } };
    await assert.rejects(trainMlp(withNaN, { hidden: [4], epochs: 1 }), /training sample 3 has the value NaN/);
    const huge = { ...xor, train: { ...xor.train, x: xor.train.x.map((v) => v * 1e37) } };
    await assert.rejects(trainMlp(huge, { hidden: [4], epochs: 2, lr: 10 }), /diverged/);
  });

  it("is the explorer's trainer: the same seed gives the explorer's MlpTrainer the same weights, epoch by epoch", async () => {
    const tf = await loadTensorflow();
    const opts = { hidden: [6, 5], epochs: 3, batch: 16, lr: 0.01, seed: 9, activation: "leaky" as const, alpha: 0.05 };
    const { network, history } = await trainMlp(spiral, opts);
    const f32 = (x: Float32Array | Float64Array) => Float32Array.from(x);
    const trainer = new MlpTrainer(tf, { widths: [6, 5], activation: "leaky-relu", alpha: 0.05, learningRate: 0.01, batchSize: 16, seed: 9, optimizer: "adam" }, {
      dim: 2, classes: spiral.classes, trainX: f32(spiral.train.x), trainY: Int32Array.from(spiral.train.y), testX: f32(spiral.test.x), testY: Int32Array.from(spiral.test.y),
    });
    try {
      for (let e = 0; e < 3; e++) trainer.trainEpoch();
      assert.ok(sameWeights(network, trainer.network()));
      assert.equal(trainer.metrics().trainLoss, history[2].trainLoss);
    } finally {
      trainer.dispose();
    }
  });
});
