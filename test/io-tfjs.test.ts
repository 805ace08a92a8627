import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseOnnx } from "../src/io/onnx.ts";
import { parseTfjs, toTfjs } from "../src/io/tfjs.ts";
import { evaluate, forward } from "../src/model/evaluate.ts";
import type { Network } from "../src/model/network.ts";
import { ModelError } from "../src/model/validate.ts";
import { expectedOf, fixtureBytes, fixtureNames } from "./helpers/fixtures.ts";

function float32Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function roundTrip(net: Network): Network {
  const { modelJson, weightData } = toTfjs(net);
  // Through JSON text, as on disk.
  return parseTfjs(JSON.parse(JSON.stringify(modelJson)), new Map([["weights.bin", weightData]]), "model.json");
}

describe("TF.js round trip", () => {
  for (const name of fixtureNames()) {
    it(`${name}: toTfjs → parseTfjs gives the same weights and the same outputs and patterns`, () => {
      const net = parseOnnx(fixtureBytes(name), name);
      const back = roundTrip(net);
      assert.deepEqual(back, net);
      for (const s of expectedOf(name).samples) assert.deepEqual(evaluate(back, s.x), evaluate(net, s.x));
    });
  }

  it("leaky ReLU becomes a linear Dense plus a LeakyReLU layer and comes back", () => {
    const net: Network = {
      inputDim: 2,
      layers: [
        { inDim: 2, outDim: 2, weights: Float64Array.from([1, 2, 3, 4]), bias: Float64Array.from([0.5, -0.5]), activation: { kind: "leaky-relu", alpha: 0.25 } },
        { inDim: 2, outDim: 1, weights: Float64Array.from([1, -1]), bias: Float64Array.from([0]), activation: { kind: "identity" } },
      ],
    };
    const { modelJson } = toTfjs(net);
    const layers = (modelJson.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers;
    assert.deepEqual(layers.map((l) => l.class_name), ["Dense", "LeakyReLU", "Dense"]);
    assert.deepEqual(roundTrip(net), net);
  });

  it("maxout has no TF.js layer and is refused with a ModelError", () => {
    const net: Network = {
      inputDim: 1,
      layers: [
        { inDim: 1, outDim: 2, weights: Float64Array.from([1, -1]), bias: new Float64Array(2), activation: { kind: "maxout", rank: 2 } },
        { inDim: 1, outDim: 1, weights: Float64Array.from([1]), bias: new Float64Array(1), activation: { kind: "identity" } },
      ],
    };
    assert.throws(() => toTfjs(net), ModelError);
  });

  it("toTfjs counts the weights that float32 rounding changes", () => {
    const net: Network = {
      inputDim: 1,
      layers: [{ inDim: 1, outDim: 1, weights: Float64Array.from([0.1]), bias: Float64Array.from([0.5]), activation: { kind: "identity" } }],
    };
    assert.equal(toTfjs(net).roundedValues, 1);
  });
});

describe("TF.js model.json as the Keras converter writes it", () => {
  // 3 → 2 (Dense linear, then ReLU layer) → 2 (Dense leaky_relu? no: Dense + LeakyReLU layer) → 1, kernels [in, out].
  const kernel0 = [1, 2, 3, 4, 5, 6]; // [3, 2]: column o is unit o
  const bias0 = [0.5, -1];
  const kernel1 = [1, -1, 0.5, 2]; // [2, 2]
  const bias1 = [0, 0.25];
  const kernel2 = [3, -2]; // [2, 1]
  const bias2 = [0.125];
  const modelJson = {
    format: "layers-model",
    generatedBy: "keras v2.15.0",
    convertedBy: "TensorFlow.js Converter v4.22.0",
    modelTopology: {
      keras_version: "2.15.0",
      backend: "tensorflow",
      model_config: {
        class_name: "Sequential",
        config: {
          name: "sequential",
          layers: [
            { class_name: "InputLayer", config: { batch_input_shape: [null, 3], name: "input_1" } },
            { class_name: "Flatten", config: { name: "flatten" } },
            { class_name: "Dense", config: { name: "dense", units: 2, activation: "linear", use_bias: true } },
            { class_name: "ReLU", config: { name: "re_lu", max_value: null, negative_slope: 0.0, threshold: 0.0 } },
            { class_name: "Dense", config: { name: "dense_1", units: 2, activation: "linear", use_bias: true } },
            { class_name: "LeakyReLU", config: { name: "leaky_re_lu", alpha: 0.3 } },
            { class_name: "Dropout", config: { name: "dropout", rate: 0.5 } },
            { class_name: "Dense", config: { name: "dense_2", units: 1, activation: "linear", use_bias: true } },
          ],
        },
      },
    },
    weightsManifest: [
      {
        paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"],
        weights: [
          { name: "sequential/dense/kernel", shape: [3, 2], dtype: "float32" },
          { name: "sequential/dense/bias", shape: [2], dtype: "float32" },
          { name: "dense_1/kernel", shape: [2, 2], dtype: "float32" },
          { name: "dense_1/bias", shape: [2], dtype: "float32" },
          { name: "dense_2/kernel", shape: [2, 1], dtype: "float32" },
          { name: "dense_2/bias", shape: [1], dtype: "float32" },
        ],
      },
    ],
  };
  const all = float32Bytes([...kernel0, ...bias0, ...kernel1, ...bias1, ...kernel2, ...bias2]);
  // Split the group at an odd byte offset: shards are concatenated before decoding.
  const shards = new Map([["group1-shard1of2.bin", all.slice(0, 13)], ["group1-shard2of2.bin", all.slice(13)]]);

  it("reads model_config.config.layers, transposes kernels to [out × in] and maps the activation layers", () => {
    const net = parseTfjs(modelJson, shards, "model.json");
    assert.equal(net.inputDim, 3);
    assert.deepEqual(Array.from(net.layers[0].weights), [1, 3, 5, 2, 4, 6]);
    assert.deepEqual(net.layers.map((l) => l.activation), [{ kind: "relu" }, { kind: "leaky-relu", alpha: 0.3 }, { kind: "identity" }]);
    // Hand check at x = (1, 0, -1): g0 = (1−5+0.5, 2−6−1) = (−3.5, −5) → relu 0, 0; g1 = (0, 0.25) → (0, 0.25);
    // y = 3·0 − 2·0.25 + 0.125 = −0.375.
    assert.equal(forward(net, [1, 0, -1])[0], -0.375);
  });

  it("reads tf.LayersModel.save's config.layers and Dense activations relu and leaky_relu", () => {
    const saved = {
      modelTopology: {
        class_name: "Sequential",
        config: {
          name: "seq",
          layers: [
            { class_name: "Dense", config: { name: "dense", units: 2, activation: "relu", batch_input_shape: [null, 3] } },
            { class_name: "Dense", config: { name: "dense_1", units: 2, activation: "leaky_relu" } },
            { class_name: "Activation", config: { name: "act", activation: "linear" } },
            { class_name: "Dense", config: { name: "dense_2", units: 1, activation: "linear" } },
          ],
        },
      },
      weightsManifest: modelJson.weightsManifest,
    };
    const net = parseTfjs(saved, shards, "model.json");
    assert.deepEqual(net.layers.map((l) => l.activation), [{ kind: "relu" }, { kind: "leaky-relu", alpha: 0.2 }, { kind: "identity" }]);
  });
});
