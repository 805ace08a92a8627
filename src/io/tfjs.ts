/**
 * TensorFlow.js LayersModel (`model.json` + binary weight shards) ↔ {@link Network}, without TensorFlow.js.
 * Reads both topologies: the Keras converter's `modelTopology.model_config.config.layers` and
 * `tf.LayersModel.save`'s `modelTopology.config.layers`. Supported layers: Dense (activation relu, linear,
 * leaky_relu), ReLU, LeakyReLU, Activation, InputLayer, Flatten, Dropout (identity at inference).
 * Dense kernels are stored `[in, out]`; the network keeps `[out × in]` row-major. Core-safe.
 */
import * as z from "zod/mini";
import type { Activation, Network } from "../model/network.ts";
import { activationName } from "../model/network.ts";
import { ModelError, validateNetwork } from "../model/validate.ts";
import { assembleChain, type Stage } from "./chain.ts";
import { checkJsonDepth } from "./json-depth.ts";
import { checkLayerSize } from "./limits.ts";
import { compileOnnxModel } from "./onnx.ts";
import { elementCount } from "./onnx-proto.ts";
import { GRAPH_LAYER_CLASSES, type KerasLayer, kerasToOnnx } from "./tfjs-graph.ts";
import { describeSchemaIssue } from "./schema-issue.ts";

/** Keras's default slope of the `leaky_relu` activation function (keras.activations.leaky_relu, 0.2). */
const KERAS_LEAKY_RELU_FUNCTION_ALPHA = 0.2;
/** Default slope of the LeakyReLU layer in Keras and TF.js (`alpha` / `negative_slope` = 0.3). */
const KERAS_LEAKY_RELU_LAYER_ALPHA = 0.3;

const weightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number()),
  dtype: z.optional(z.string()),
  quantization: z.optional(z.unknown()),
});
const manifestSchema = z.array(z.object({ paths: z.array(z.string()), weights: z.array(weightSpecSchema) }));
const layerSchema = z.object({ class_name: z.string(), config: z.optional(z.record(z.string(), z.unknown())) });

type LayerJson = z.infer<typeof layerSchema>;

/** A TF.js model written by {@link toTfjs}: the `model.json` object and the one weight shard it names. */
export interface TfjsArtifacts {
  modelJson: Record<string, unknown>;
  weightData: Uint8Array;
  /** How many weights and biases changed when rounded to float32 (TF.js stores float32). */
  roundedValues: number;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The layer list of either topology flavour, and the model class name. */
function topologyLayers(topology: Record<string, unknown>, fail: (m: string) => never): LayerJson[] {
  const model = asRecord(topology.model_config) ?? topology;
  const className = model.class_name;
  if (className !== "Sequential") {
    fail(`only Sequential models are supported, modelTopology has class ${JSON.stringify(className)}`);
  }
  const config = model.config;
  const layers = Array.isArray(config) ? config : asRecord(config)?.layers;
  if (!Array.isArray(layers)) fail("modelTopology has no layer list (config.layers)");
  const parsed = z.array(layerSchema).safeParse(layers);
  if (!parsed.success) fail(`bad layer list in modelTopology: ${describeSchemaIssue(parsed.error)}`);
  return parsed.data!;
}

/** Width declared by an input shape such as `[null, 28, 28]` (product of the non-batch dimensions). */
function declaredWidth(config: Record<string, unknown>): number | undefined {
  const shape = config.batch_input_shape ?? config.batch_shape ?? config.batchInputShape;
  if (!Array.isArray(shape) || shape.length < 2) return undefined;
  const dims = shape.slice(1);
  return dims.every((d) => typeof d === "number" && d > 0) ? elementCount(dims as number[]) : undefined;
}

/** Map a Keras activation name to a network activation (`undefined` = linear). */
function kerasActivation(name: unknown, where: string, fail: (m: string) => never): Activation | undefined {
  if (name === undefined || name === null || name === "linear") return undefined;
  if (name === "relu") return { kind: "relu" };
  if (name === "leaky_relu") return { kind: "leaky-relu", alpha: KERAS_LEAKY_RELU_FUNCTION_ALPHA };
  return fail(`${where}: unsupported activation ${JSON.stringify(name)} (supported: relu, linear, leaky_relu)`);
}

/** Bytes per element of a TF.js weight dtype (0: unsupported). */
function dtypeBytes(dtype: string): number {
  return dtype === "bool" ? 1 : dtype === "float32" || dtype === "int32" ? 4 : 0;
}

/**
 * The number of bytes each weight group of a `weightsManifest` declares (the sum over its weights of elements ×
 * dtype size), so that a reader fetches no more than that from the group's files; undefined when the manifest is
 * malformed (then {@link parseTfjs} says what is wrong). `label` prefixes the error when a weight is larger than
 * the layer size limit (MAX_LAYER_ENTRIES in limits.ts) allows.
 */
export function tfjsDeclaredGroupBytes(manifestJson: unknown, label: string): number[] | undefined {
  const parsed = manifestSchema.safeParse(manifestJson);
  if (!parsed.success) return undefined;
  const fail = (message: string): never => {
    throw new ModelError(`${label}: ${message}`);
  };
  return parsed.data.map((group) => {
    let bytes = 0;
    for (const spec of group.weights) {
      const n = checkLayerSize(spec.shape, `weight "${spec.name}"`, fail);
      bytes += n * (dtypeBytes(spec.dtype ?? "float32") || 4);
    }
    return bytes;
  });
}

/** Decode every weight of the manifest into float64 arrays, concatenating each group's shards in order. */
function readWeights(
  manifestJson: unknown,
  shards: ReadonlyMap<string, Uint8Array>,
  fail: (m: string) => never,
): Map<string, { values: Float64Array; shape: number[]; dtype: string }> {
  const parsed = manifestSchema.safeParse(manifestJson);
  if (!parsed.success) fail(`bad weightsManifest: ${describeSchemaIssue(parsed.error)}`);
  const out = new Map<string, { values: Float64Array; shape: number[]; dtype: string }>();
  parsed.data!.forEach((group, g) => {
    const parts = group.paths.map((p) => {
      const bytes = shards.get(p);
      if (!bytes) fail(`weight file "${p}" named in weightsManifest is missing`);
      return bytes!;
    });
    const total = parts.reduce((s, p) => s + p.length, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    const view = new DataView(data.buffer);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.quantization !== undefined) fail(`weight "${spec.name}" is quantized, which is not supported`);
      const n = checkLayerSize(spec.shape, `weight "${spec.name}"`, fail);
      const dtype = spec.dtype ?? "float32";
      const bytesPer = dtypeBytes(dtype);
      if (bytesPer === 0) fail(`weight "${spec.name}" has unsupported dtype ${dtype}`);
      if (offset + n * bytesPer > total) {
        fail(`weight group ${g} (${group.paths.join(", ")}) is short: "${spec.name}" needs bytes ${offset}…${offset + n * bytesPer} but the shards hold ${total}`);
      }
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const p = offset + i * bytesPer;
        values[i] = dtype === "float32" ? view.getFloat32(p, true) : dtype === "int32" ? view.getInt32(p, true) : data[p];
      }
      out.set(spec.name, { values, shape: spec.shape, dtype });
      offset += n * bytesPer;
    }
    if (offset !== total) fail(`weight group ${g} (${group.paths.join(", ")}) holds ${total} bytes, the manifest describes ${offset}`);
  });
  return out;
}

/**
 * The layers of a model the chain reader cannot take (a Functional model, or layers such as Conv2D, pooling,
 * BatchNormalization, Add), with the Functional model's input and output layer names; undefined otherwise.
 */
function graphTopology(topology: Record<string, unknown>): { layers: KerasLayer[]; functional?: { inputs: string[]; outputs: string[] } } | undefined {
  const model = asRecord(topology.model_config) ?? topology;
  const config = asRecord(model.config);
  const layers = Array.isArray(model.config) ? model.config : config?.layers;
  if (!Array.isArray(layers)) return undefined;
  const typed = layers.filter((l): l is KerasLayer => asRecord(l) !== undefined && typeof (l as KerasLayer).class_name === "string");
  if (model.class_name === "Functional" || model.class_name === "Model") {
    const names = (v: unknown) => (Array.isArray(v) ? v.map((e) => String(Array.isArray(e) ? e[0] : e)) : []);
    return { layers: typed, functional: { inputs: names(config?.input_layers), outputs: names(config?.output_layers) } };
  }
  if (model.class_name === "Sequential" && typed.some((l) => GRAPH_LAYER_CLASSES.has(l.class_name))) return { layers: typed };
  return undefined;
}

/** A graph-shaped TF.js model through the ONNX graph compiler (src/io/tfjs-graph.ts). */
function parseTfjsGraph(
  model: { layers: KerasLayer[]; functional?: { inputs: string[]; outputs: string[] } },
  manifest: unknown,
  shards: ReadonlyMap<string, Uint8Array>,
  label: string,
  fail: (m: string) => never,
): Network {
  const weights = readWeights(manifest, shards, fail);
  const find = (layer: string, kind: string) => {
    const exact = weights.get(`${layer}/${kind}`);
    if (exact) return exact;
    const matches = [...weights.keys()].filter((k) => k.endsWith(`/${layer}/${kind}`));
    return matches.length === 1 ? weights.get(matches[0]) : undefined;
  };
  const weightFor = (layer: string, kind: string) => {
    const w = find(layer, kind);
    if (!w) return fail(`layer "${layer}": no weight named "${layer}/${kind}" in weightsManifest`);
    if (w.dtype !== "float32") fail(`weight "${layer}/${kind}" has dtype ${w.dtype}, weights must be float32`);
    for (let i = 0; i < w.values.length; i++) {
      if (!Number.isFinite(w.values[i])) fail(`weight "${layer}/${kind}" holds ${w.values[i]} at index ${i}; weights must be finite`);
    }
    return w;
  };
  const onnx = kerasToOnnx(model.layers, model.functional, weightFor, (l, k) => find(l, k) !== undefined, fail);
  return compileOnnxModel(onnx, label).network;
}

/**
 * Parse a TF.js LayersModel: `modelJson` is the parsed `model.json`, `shards` maps every path of its
 * weightsManifest to that file's bytes. `label` (the model.json path) prefixes every error message.
 */
export function parseTfjs(modelJson: unknown, shards: ReadonlyMap<string, Uint8Array>, label: string): Network {
  const fail = (message: string): never => {
    throw new ModelError(`${label}: ${message}`);
  };
  const root = asRecord(modelJson);
  if (!root) return fail("model.json is not a JSON object");
  checkJsonDepth(root, fail);
  const topology = asRecord(root.modelTopology);
  if (!topology) return fail("not a TF.js LayersModel: no modelTopology object");
  if (root.weightsManifest === undefined) fail("not a TF.js LayersModel: no weightsManifest");
  const graphModel = graphTopology(topology);
  if (graphModel) return parseTfjsGraph(graphModel, root.weightsManifest, shards, label, fail);
  const layers = topologyLayers(topology, fail);
  if (layers.length === 0) fail("the model has no layers");
  const weights = readWeights(root.weightsManifest, shards, fail);
  const weightFor = (layerName: string, kind: string) => {
    const exact = weights.get(`${layerName}/${kind}`);
    if (exact) return exact;
    const matches = [...weights.keys()].filter((k) => k.endsWith(`/${layerName}/${kind}`));
    if (matches.length === 1) return weights.get(matches[0])!;
    return fail(`layer "${layerName}": no weight named "${layerName}/${kind}" in weightsManifest`);
  };
  const floatValues = (w: { values: Float64Array; dtype: string }, name: string): Float64Array => {
    if (w.dtype !== "float32") fail(`weight "${name}" has dtype ${w.dtype}, weights must be float32`);
    for (let i = 0; i < w.values.length; i++) {
      if (!Number.isFinite(w.values[i])) fail(`weight "${name}" holds ${w.values[i]} at index ${i}; weights must be finite`);
    }
    return w.values;
  };

  let declared: number | undefined;
  const stages: Stage[] = [];
  layers.forEach((layer, index) => {
    const config = layer.config ?? {};
    const name = typeof config.name === "string" ? config.name : `#${index}`;
    const source = `${layer.class_name} layer "${name}"`;
    if (index === 0 || layer.class_name === "InputLayer") declared ??= declaredWidth(config);
    switch (layer.class_name) {
      case "InputLayer":
      case "Flatten":
      case "Dropout":
        return;
      case "Dense": {
        const units = config.units;
        const kernel = weightFor(name, "kernel");
        if (kernel.shape.length !== 2) fail(`${source}: kernel has shape [${kernel.shape.join(", ")}], expected [in, units]`);
        const [inDim, outDim] = kernel.shape;
        if (typeof units === "number" && units !== outDim) fail(`${source}: kernel has ${outDim} columns but units = ${units}`);
        const K = floatValues(kernel, `${name}/kernel`);
        const weightsRowMajor = new Float64Array(outDim * inDim);
        for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) weightsRowMajor[o * inDim + i] = K[i * outDim + o];
        let bias = new Float64Array(outDim);
        if (config.use_bias !== false) {
          const b = weightFor(name, "bias");
          if (elementCount(b.shape) !== outDim) fail(`${source}: bias has shape [${b.shape.join(", ")}], expected [${outDim}]`);
          bias = Float64Array.from(floatValues(b, `${name}/bias`));
        }
        stages.push({ kind: "affine", inDim, outDim, weights: weightsRowMajor, bias, source });
        const activation = kerasActivation(config.activation, source, fail);
        if (activation) stages.push({ kind: "activation", activation, source });
        return;
      }
      case "ReLU": {
        if (config.max_value !== undefined && config.max_value !== null) fail(`${source}: max_value (clipped ReLU) is not piecewise-linear with one breakpoint; not supported`);
        if (typeof config.threshold === "number" && config.threshold !== 0) fail(`${source}: a nonzero threshold is not supported`);
        const slope = typeof config.negative_slope === "number" ? config.negative_slope : 0;
        stages.push({ kind: "activation", activation: slope === 0 ? { kind: "relu" } : { kind: "leaky-relu", alpha: slope }, source });
        return;
      }
      case "LeakyReLU": {
        const alpha = config.alpha ?? config.negative_slope ?? KERAS_LEAKY_RELU_LAYER_ALPHA;
        if (typeof alpha !== "number") fail(`${source}: alpha must be a number`);
        stages.push({ kind: "activation", activation: { kind: "leaky-relu", alpha: alpha as number }, source });
        return;
      }
      case "Activation": {
        const activation = kerasActivation(config.activation, source, fail);
        if (activation) stages.push({ kind: "activation", activation, source });
        return;
      }
      default:
        fail(`unsupported layer ${layer.class_name} ("${name}")`);
    }
  });
  return assembleChain(stages, declared, fail);
}

/**
 * Write a network as a TF.js LayersModel (the `tf.LayersModel.save` layout): Dense layers with relu / linear
 * activations, a LeakyReLU layer after a linear Dense for leaky ReLU. Weights become float32. Maxout has no
 * TF.js layer and is refused with a {@link ModelError}. `weightsPath` is the shard name written into the manifest.
 */
export function toTfjs(net: Network, weightsPath = "weights.bin"): TfjsArtifacts {
  validateNetwork(net);
  const layers: Record<string, unknown>[] = [];
  const specs: { name: string; shape: number[]; dtype: string }[] = [];
  const total = net.layers.reduce((s, l) => s + l.weights.length + l.bias.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  let rounded = 0;
  const put = (v: number) => {
    data[at++] = v;
    if (Math.fround(v) !== v) rounded++;
  };
  net.layers.forEach((layer, l) => {
    const a = layer.activation;
    if (a.kind === "maxout" || a.kind === "per-unit") throw new ModelError(`layer ${l}: ${activationName(a)} has no TF.js layer; save it as Tessera JSON instead`);
    const name = `dense_${l + 1}`;
    const config: Record<string, unknown> = {
      name,
      trainable: true,
      dtype: "float32",
      units: layer.outDim,
      activation: a.kind === "relu" ? "relu" : "linear",
      use_bias: true,
      kernel_initializer: { class_name: "GlorotUniform", config: { seed: null } },
      bias_initializer: { class_name: "Zeros", config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
    if (l === 0) config.batch_input_shape = [null, net.inputDim];
    layers.push({ class_name: "Dense", config });
    // Kernel [in, out]: the transpose of our row-major [out × in].
    for (let i = 0; i < layer.inDim; i++) for (let o = 0; o < layer.outDim; o++) put(layer.weights[o * layer.inDim + i]);
    for (let o = 0; o < layer.outDim; o++) put(layer.bias[o]);
    specs.push({ name: `${name}/kernel`, shape: [layer.inDim, layer.outDim], dtype: "float32" });
    specs.push({ name: `${name}/bias`, shape: [layer.outDim], dtype: "float32" });
    if (a.kind === "leaky-relu") {
      layers.push({ class_name: "LeakyReLU", config: { name: `leaky_re_lu_${l + 1}`, trainable: true, dtype: "float32", alpha: a.alpha } });
    }
  });
  const modelJson = {
    format: "layers-model",
    generatedBy: "tessera",
    convertedBy: null,
    modelTopology: {
      class_name: "Sequential",
      config: { name: "sequential", layers },
      keras_version: "tfjs-layers 4.22.0",
      backend: "tensor_flow.js",
    },
    weightsManifest: [{ paths: [weightsPath], weights: specs }],
  };
  // Little-endian float32 bytes (TF.js shards are little-endian).
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < total; i++) view.setFloat32(i * 4, data[i], true);
  return { modelJson, weightData: bytes, roundedValues: rounded };
}
