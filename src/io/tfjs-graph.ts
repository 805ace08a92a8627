/**
 * Keras layers of a TF.js LayersModel (Sequential or Functional) → an ONNX graph in memory, compiled by the ONNX
 * graph compiler (src/io/onnx.ts): Conv2D, pooling, BatchNormalization, Flatten, Add, Dense, the rectifiers,
 * ZeroPadding2D, Reshape, Dropout. Keras keeps images channels-last (N, H, W, C); convolutions and pools are
 * wrapped in Transposes to ONNX's channels-first and back, which the compiler turns into row permutations, so
 * Flatten and Dense see Keras's own order. Core-safe.
 */
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor } from "./onnx-proto.ts";
import { OnnxAttributeType, OnnxDataType } from "./onnx-proto.ts";

/** Keras's default BatchNormalization epsilon (keras.layers.BatchNormalization). */
const KERAS_BN_EPSILON = 1e-3;
/** Keras's default slope of the `leaky_relu` activation function (keras.activations.leaky_relu). */
const KERAS_LEAKY_RELU_FUNCTION_ALPHA = 0.2;
/** Default slope of the LeakyReLU layer in Keras and TF.js. */
const KERAS_LEAKY_RELU_LAYER_ALPHA = 0.3;

/** Layer classes only the graph path reads (the chain reader handles the rest of a Sequential model). */
export const GRAPH_LAYER_CLASSES: ReadonlySet<string> = new Set([
  "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "BatchNormalization", "Add", "PReLU", "ZeroPadding2D", "Reshape",
]);

export interface KerasLayer {
  class_name: string;
  config?: Record<string, unknown>;
  /** Functional models: Keras 2 `[[["name", 0, 0, {}], …]]` or Keras 3 `[{ args: [...] }]`. */
  inbound_nodes?: unknown;
}

type Weight = { values: Float64Array; shape: number[] };

const intsAttr = (name: string, ints: number[]): OnnxAttribute => ({ name, type: OnnxAttributeType.INTS, ints, floats: [] });
const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: OnnxAttributeType.INT, i, ints: [], floats: [] });
const floatAttr = (name: string, f: number): OnnxAttribute => ({ name, type: OnnxAttributeType.FLOAT, f, ints: [], floats: [] });
const stringAttr = (name: string, s: string): OnnxAttribute => ({ name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(s), ints: [], floats: [] });
const tensor = (name: string, dims: number[], values: ArrayLike<number>, dataType: number = OnnxDataType.DOUBLE): OnnxTensor => ({
  name, dims, dataType, floatData: [], doubleData: dataType === OnnxDataType.DOUBLE ? Array.from(values) : [], int32Data: [],
  int64Data: dataType === OnnxDataType.INT64 ? Array.from(values) : [], dataLocation: 0, externalData: [],
});

function pair(v: unknown, fallback: [number, number]): [number, number] {
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0], v[1]];
  return fallback;
}

/** The names of a functional layer's inputs, from either inbound_nodes flavour. */
function inboundNames(layer: KerasLayer, fail: (m: string) => never): string[] {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length > 1) fail(`layer "${layer.config?.name}" is called ${nodes.length} times (shared layers are not supported)`);
  const node = nodes[0];
  if (Array.isArray(node)) return node.map((e) => (Array.isArray(e) ? String(e[0]) : fail(`layer "${layer.config?.name}": bad inbound_nodes`)));
  const names: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === "object" && v !== null) {
      const history = (v as { config?: { keras_history?: unknown } }).config?.keras_history;
      if (Array.isArray(history)) names.push(String(history[0]));
      else Object.values(v).forEach(visit);
    }
  };
  visit((node as { args?: unknown }).args);
  return names;
}

/**
 * Build the ONNX graph of Keras `layers` (Sequential when `functional` is undefined, else Functional with its input
 * and output layer names). `weightFor(layer, kind)` returns a float weight or fails; `hasWeight` tests for one.
 */
export function kerasToOnnx(
  layers: KerasLayer[],
  functional: { inputs: string[]; outputs: string[] } | undefined,
  weightFor: (layer: string, kind: string) => Weight,
  hasWeight: (layer: string, kind: string) => boolean,
  fail: (m: string) => never,
): OnnxModel {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let inputShape: (number | string)[] | undefined;
  let inputName = "input";
  const node = (opType: string, name: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = []) =>
    nodes.push({ name, opType, domain: "", inputs, outputs, attributes });
  const init = (t: OnnxTensor) => {
    initializers.push(t);
    return t.name;
  };
  let previous = "";
  let counter = 0;
  const fresh = (base: string) => `${base}__${counter++}`;
  const toNCHW = (x: string, name: string) => {
    const out = fresh(`${name}/nchw`);
    node("Transpose", `${name}/to_channels_first`, [x], [out], [intsAttr("perm", [0, 3, 1, 2])]);
    return out;
  };
  const toNHWC = (x: string, name: string, out: string) => node("Transpose", `${name}/to_channels_last`, [x], [out], [intsAttr("perm", [0, 2, 3, 1])]);
  const activation = (act: unknown, x: string, name: string, out: string, where: string) => {
    if (act === undefined || act === null || act === "linear") node("Identity", `${name}/linear`, [x], [out]);
    else if (act === "relu") node("Relu", `${name}/relu`, [x], [out]);
    else if (act === "leaky_relu") node("LeakyRelu", `${name}/leaky_relu`, [x], [out], [floatAttr("alpha", KERAS_LEAKY_RELU_FUNCTION_ALPHA)]);
    else fail(`${where}: unsupported activation ${JSON.stringify(act)} (supported: relu, linear, leaky_relu)`);
  };

  layers.forEach((layer, index) => {
    const config = layer.config ?? {};
    const name = typeof config.name === "string" ? config.name : `#${index}`;
    const where = `${layer.class_name} layer "${name}"`;
    const inputs = functional ? inboundNames(layer, fail) : previous ? [previous] : [];
    const shape = (config.batch_input_shape ?? config.batch_shape ?? config.batchInputShape) as unknown;
    if ((layer.class_name === "InputLayer" || inputs.length === 0) && !inputShape) {
      if (!Array.isArray(shape) || shape.length < 2) fail(`${where}: no batch_input_shape, so the input size is unknown`);
      inputShape = ["batch", ...(shape as unknown[]).slice(1).map((d) => (typeof d === "number" ? d : fail(`${where}: input shape has a free dimension`)))];
      inputName = layer.class_name === "InputLayer" ? name : "input";
      if (layer.class_name === "InputLayer") {
        previous = name;
        return;
      }
      inputs.push(inputName);
    }
    const x = inputs[0];
    if (x === undefined) fail(`${where}: no input`);
    const channelsFirst = config.data_format === "channels_first";
    switch (layer.class_name) {
      case "InputLayer":
        fail(`${where}: a second input layer (models with several inputs are not supported)`);
        break;
      case "Dropout":
      case "Flatten":
        node(layer.class_name === "Flatten" ? "Flatten" : "Identity", name, [x], [name]);
        break;
      case "Dense": {
        const k = weightFor(name, "kernel");
        const mid = fresh(`${name}/matmul`), biased = fresh(`${name}/biased`);
        node("MatMul", `${name}/MatMul`, [x, init(tensor(`${name}/kernel`, k.shape, k.values))], [mid]);
        if (config.use_bias !== false) {
          const b = weightFor(name, "bias");
          node("Add", `${name}/BiasAdd`, [mid, init(tensor(`${name}/bias`, b.shape, b.values))], [biased]);
        } else node("Identity", `${name}/nobias`, [mid], [biased]);
        activation(config.activation, biased, name, name, where);
        break;
      }
      case "Conv2D": {
        const k = weightFor(name, "kernel");
        if (k.shape.length !== 4) fail(`${where}: kernel has shape [${k.shape.join(", ")}], expected [kh, kw, in, out]`);
        const [kh, kw, cin, cout] = k.shape;
        // Keras kernel [kh, kw, in/groups, out] → ONNX [out, in/groups, kh, kw].
        const W = new Float64Array(k.values.length);
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) {
          W[((o * cin + c) * kh + i) * kw + j] = k.values[((i * kw + j) * cin + c) * cout + o];
        }
        const inputsConv = [channelsFirst ? x : toNCHW(x, name), init(tensor(`${name}/kernel`, [cout, cin, kh, kw], W))];
        if (config.use_bias !== false) {
          const b = weightFor(name, "bias");
          inputsConv.push(init(tensor(`${name}/bias`, [cout], b.values)));
        }
        const padding = config.padding ?? "valid";
        if (padding !== "valid" && padding !== "same") fail(`${where}: padding ${JSON.stringify(padding)} is not supported`);
        const conv = fresh(`${name}/conv`), back = fresh(`${name}/nhwc`);
        node("Conv", name, inputsConv, [conv], [
          intsAttr("strides", pair(config.strides, [1, 1])), intsAttr("dilations", pair(config.dilation_rate, [1, 1])),
          intAttr("group", typeof config.groups === "number" ? config.groups : 1), stringAttr("auto_pad", padding === "same" ? "SAME_UPPER" : "VALID"),
        ]);
        if (channelsFirst) node("Identity", `${name}/keep`, [conv], [back]);
        else toNHWC(conv, name, back);
        activation(config.activation, back, name, name, where);
        break;
      }
      case "MaxPooling2D":
      case "AveragePooling2D": {
        const size = pair(config.pool_size, [2, 2]);
        const strides = config.strides === null || config.strides === undefined ? size : pair(config.strides, size);
        const padding = config.padding ?? "valid";
        if (padding !== "valid" && padding !== "same") fail(`${where}: padding ${JSON.stringify(padding)} is not supported`);
        const pooled = fresh(`${name}/pool`);
        node(layer.class_name === "MaxPooling2D" ? "MaxPool" : "AveragePool", name, [channelsFirst ? x : toNCHW(x, name)], [pooled], [
          intsAttr("kernel_shape", size), intsAttr("strides", strides), stringAttr("auto_pad", padding === "same" ? "SAME_UPPER" : "VALID"),
          // TF's average over a window that meets the padding divides by the cells inside.
          intAttr("count_include_pad", 0),
        ]);
        if (channelsFirst) node("Identity", `${name}/keep`, [pooled], [name]);
        else toNHWC(pooled, name, name);
        break;
      }
      case "GlobalAveragePooling2D": {
        const pooled = fresh(`${name}/pool`);
        node("GlobalAveragePool", name, [channelsFirst ? x : toNCHW(x, name)], [pooled]);
        node("Flatten", `${name}/flatten`, [pooled], [name]);
        break;
      }
      case "ZeroPadding2D": {
        const p = config.padding;
        const [[t, b], [l, r]] = Array.isArray(p) && Array.isArray(p[0]) ? (p as [[number, number], [number, number]]) : (() => {
          const [h, w] = pair(p, [1, 1]);
          return [[h, h], [w, w]] as [[number, number], [number, number]];
        })();
        const pads = channelsFirst ? [0, 0, t, l, 0, 0, b, r] : [0, t, l, 0, 0, b, r, 0];
        node("Pad", name, [x, init(tensor(fresh(`${name}/pads`), [8], pads, OnnxDataType.INT64))], [name]);
        break;
      }
      case "Reshape": {
        const target = config.target_shape;
        if (!Array.isArray(target)) fail(`${where}: no target_shape`);
        node("Reshape", name, [x, init(tensor(fresh(`${name}/shape`), [target.length + 1], [1, ...(target as number[])], OnnxDataType.INT64))], [name]);
        break;
      }
      case "BatchNormalization": {
        const axis = typeof config.axis === "number" ? config.axis : Array.isArray(config.axis) && config.axis.length === 1 ? Number(config.axis[0]) : -1;
        const mean = weightFor(name, "moving_mean"), variance = weightFor(name, "moving_variance");
        const n = mean.values.length;
        const gamma = config.scale !== false && hasWeight(name, "gamma") ? weightFor(name, "gamma").values : new Float64Array(n).fill(1);
        const beta = config.center !== false && hasWeight(name, "beta") ? weightFor(name, "beta").values : new Float64Array(n);
        const eps = typeof config.epsilon === "number" ? config.epsilon : KERAS_BN_EPSILON;
        if (axis !== -1 && !(axis === 1 && channelsFirst)) {
          // Only the channel axis: last (channels_last, and Dense outputs) or 1 for channels_first images.
          if (axis !== 3) fail(`${where}: axis ${axis} is not supported (the channel axis, last)`);
        }
        // y = γ (x − μ) / √(σ² + ε) + β (inference) = s·x + t per channel: Mul and Add by constants on the last axis,
        // which broadcast over any rank (Dense outputs and channels-last images alike).
        const s = Float64Array.from(gamma, (g, c) => g / Math.sqrt(variance.values[c] + eps));
        const t = Float64Array.from(beta, (b0, c) => b0 - s[c] * mean.values[c]);
        const dims = axis === 1 ? [n, 1, 1] : [n];
        const scaled = fresh(`${name}/scaled`);
        node("Mul", name, [x, init(tensor(`${name}/scale`, dims, s))], [scaled]);
        node("Add", `${name}/shift`, [scaled, init(tensor(`${name}/shift`, dims, t))], [name]);
        break;
      }
      case "Add": {
        if (inputs.length < 2) fail(`${where}: needs two inputs`);
        let acc = inputs[0];
        for (let i = 1; i < inputs.length; i++) {
          const out = i === inputs.length - 1 ? name : fresh(`${name}/sum`);
          node("Add", i === 1 ? name : `${name}/${i}`, [acc, inputs[i]], [out]);
          acc = out;
        }
        break;
      }
      case "ReLU": {
        if (config.max_value !== undefined && config.max_value !== null) fail(`${where}: max_value (clipped ReLU) is not supported`);
        if (typeof config.threshold === "number" && config.threshold !== 0) fail(`${where}: a nonzero threshold is not supported`);
        const slope = typeof config.negative_slope === "number" ? config.negative_slope : 0;
        if (slope === 0) node("Relu", name, [x], [name]);
        else node("LeakyRelu", name, [x], [name], [floatAttr("alpha", slope)]);
        break;
      }
      case "LeakyReLU": {
        const alpha = config.alpha ?? config.negative_slope ?? KERAS_LEAKY_RELU_LAYER_ALPHA;
        if (typeof alpha !== "number") fail(`${where}: alpha must be a number`);
        node("LeakyRelu", name, [x], [name], [floatAttr("alpha", alpha as number)]);
        break;
      }
      case "PReLU": {
        const a = weightFor(name, "alpha");
        node("PRelu", name, [x, init(tensor(`${name}/alpha`, [1, ...a.shape], a.values))], [name]);
        break;
      }
      case "Activation":
        activation(config.activation, x, name, name, where);
        break;
      default:
        fail(`unsupported layer ${layer.class_name} ("${name}")`);
    }
    previous = name;
  });
  if (!inputShape) fail("the model has no input layer with a shape");
  const output = functional ? functional.outputs[0] : previous;
  if (functional && functional.outputs.length !== 1) fail(`the model has ${functional.outputs.length} outputs; a network has one`);
  return {
    irVersion: 0, producerName: "TF.js LayersModel", producerVersion: "", opsetImports: [],
    graph: { name: "keras", nodes, initializers, sparseInitializers: 0, inputs: [{ name: inputName, elemType: OnnxDataType.FLOAT, shape: inputShape }], outputs: [{ name: output! }] },
  };
}
