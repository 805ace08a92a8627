/**
 * ONNX → {@link Network} for feed-forward chains as `torch.onnx.export` writes an `nn.Sequential` of
 * Linear / ReLU / LeakyReLU / Flatten: operators Gemm, MatMul, Add, Relu, LeakyRelu, Flatten, Identity, with weights
 * in initializers or Constant nodes. Core-safe (bytes in, no file access). Every error is a one-line
 * {@link ModelError} that starts with the caller's label (normally the file path).
 */
import type { Network } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";
import { checkLayerSize } from "./limits.ts";
import { assembleChain, type Stage } from "./chain.ts";
import {
  type OnnxAttribute,
  type OnnxNode,
  type OnnxTensor,
  OnnxAttributeType,
  OnnxDataType,
  dataTypeName,
  decodeOnnxModel,
  elementCount,
  tensorToFloat64,
} from "./onnx-proto.ts";

/** ONNX's default LeakyRelu slope (operator spec, attribute `alpha`). */
const ONNX_LEAKY_RELU_DEFAULT_ALPHA = 0.01;

/** Operators that only reshape or pass the data through: no stage in the network. */
const PASS_THROUGH = new Set(["Identity", "Flatten"]);

const FLOAT_TYPES: ReadonlySet<number> = new Set([OnnxDataType.FLOAT, OnnxDataType.DOUBLE, OnnxDataType.FLOAT16]);

function attribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attributes.find((a) => a.name === name);
}

function intAttribute(node: OnnxNode, name: string, fallback: number): number {
  return attribute(node, name)?.i ?? fallback;
}

function floatAttribute(node: OnnxNode, name: string, fallback: number): number {
  return attribute(node, name)?.f ?? fallback;
}

function describe(node: OnnxNode): string {
  return `${node.opType} node "${node.name || node.outputs[0] || "?"}"`;
}

/** The tensor a Constant node defines (attribute `value`, `value_float` or `value_floats`), if any. */
function constantNodeTensor(node: OnnxNode): OnnxTensor | undefined {
  const blank = { floatData: [], doubleData: [], int32Data: [], int64Data: [], dataLocation: 0, name: node.outputs[0] ?? "" };
  for (const a of node.attributes) {
    if (a.name === "value" && a.t) return { ...a.t, name: blank.name };
    if (a.name === "value_float" && a.f !== undefined) return { ...blank, dims: [], dataType: OnnxDataType.FLOAT, floatData: [a.f] };
    if (a.name === "value_floats" && a.type === OnnxAttributeType.FLOATS) {
      return { ...blank, dims: [a.floats.length], dataType: OnnxDataType.FLOAT, floatData: a.floats };
    }
  }
  return undefined;
}

/**
 * Parse ONNX model bytes into a validated network. `label` prefixes every error message (use the file path).
 * Consecutive affine operators (MatMul + Add, or two Gemm with nothing between) are merged into one layer.
 */
export function parseOnnx(bytes: Uint8Array, label: string): Network {
  const fail = (message: string): never => {
    throw new ModelError(`${label}: ${message}`);
  };
  if (bytes.length === 0) fail("the file is empty");
  let model;
  try {
    model = decodeOnnxModel(bytes);
  } catch (err) {
    return fail(`not a valid ONNX file, corrupt or truncated (${err instanceof Error ? err.message : String(err)})`);
  }
  const graph = model.graph;
  if (!graph) return fail("not an ONNX model: the file has no graph");
  if (graph.nodes.length === 0) fail("the ONNX graph is empty (no nodes)");
  if (graph.sparseInitializers > 0) fail("sparse initializers are not supported");

  // Constants: initializers, then Constant nodes.
  const constants = new Map<string, OnnxTensor>();
  for (const t of graph.initializers) constants.set(t.name, t);
  const producers = new Map<string, OnnxNode>();
  for (const node of graph.nodes) {
    if (node.opType === "Constant" && (node.domain === "" || node.domain === "ai.onnx")) {
      const t = constantNodeTensor(node);
      if (!t) fail(`${describe(node)} has no float value attribute`);
      constants.set(node.outputs[0], t!);
      continue;
    }
    for (const out of node.outputs) {
      if (out === "") continue;
      if (producers.has(out)) fail(`value "${out}" is produced by two nodes`);
      producers.set(out, node);
    }
  }

  const inputs = graph.inputs.filter((v) => !constants.has(v.name));
  if (inputs.length === 0) fail("the graph has no input");
  if (inputs.length > 1) {
    fail(`the graph is not a chain: it has ${inputs.length} inputs (${inputs.map((v) => `"${v.name}"`).join(", ")}), expected one`);
  }
  if (graph.outputs.length !== 1) {
    fail(`the graph is not a chain: it has ${graph.outputs.length} outputs, expected one`);
  }
  const input = inputs[0];
  const outputName = graph.outputs[0].name;
  if (input.elemType !== undefined && !FLOAT_TYPES.has(input.elemType)) {
    fail(`input "${input.name}" has type ${dataTypeName(input.elemType)}, expected a float tensor`);
  }
  // Declared width: the product of the non-batch dimensions, when they are all fixed.
  let declared: number | undefined;
  if (input.shape && input.shape.length >= 1) {
    const features = input.shape.length === 1 ? input.shape : input.shape.slice(1);
    if (features.every((d) => typeof d === "number" && d > 0)) declared = elementCount(features as number[]);
  }

  const isDynamic = (name: string) => name !== "" && !constants.has(name) && (producers.has(name) || name === input.name);
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of graph.nodes) {
    if (node.opType === "Constant") continue;
    for (const name of new Set(node.inputs.filter(isDynamic))) {
      const list = consumers.get(name) ?? [];
      list.push(node);
      consumers.set(name, list);
    }
  }

  /** A constant input's values, checked finite; fails for missing or non-float constants. */
  const weightsOf = (node: OnnxNode, name: string, role: string): { values: Float64Array; dims: number[] } => {
    const t = constants.get(name);
    if (!t) {
      if (isDynamic(name)) fail(`the graph is not a chain: ${describe(node)} takes its ${role} "${name}" from another node`);
      fail(`missing initializer "${name}" (the ${role} of ${describe(node)})`);
    }
    checkLayerSize(t!.dims, `initializer "${name}" (the ${role} of ${describe(node)})`, fail);
    let values: Float64Array;
    try {
      values = tensorToFloat64(t!);
    } catch (err) {
      return fail(`initializer "${name}" (the ${role} of ${describe(node)}): ${err instanceof Error ? err.message : String(err)}`);
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) fail(`initializer "${name}" (the ${role} of ${describe(node)}) holds ${values[i]} at index ${i}; weights must be finite`);
    }
    return { values, dims: t!.dims };
  };

  /** Broadcast a bias-like constant of shape [], [1], [n] or [1, n] to length n. */
  const broadcastBias = (node: OnnxNode, name: string, n: number, scale: number): Float64Array => {
    const { values, dims } = weightsOf(node, name, "bias");
    const last = dims.length === 0 ? 1 : dims[dims.length - 1];
    const leading = elementCount(dims.slice(0, -1));
    if (leading !== 1 || (last !== 1 && last !== n)) {
      fail(`${describe(node)}: bias "${name}" has shape [${dims.join(", ")}], which does not broadcast to [${n}]`);
    }
    const bias = new Float64Array(n);
    for (let i = 0; i < n; i++) bias[i] = scale * values[last === 1 ? 0 : i];
    return bias;
  };

  const stages: Stage[] = [];
  let width = declared;
  let current = input.name;
  const visited = new Set<OnnxNode>();
  while (current !== outputName) {
    const next = consumers.get(current) ?? [];
    if (next.length === 0) fail(`the graph is not a chain: "${current}" is not used by any node, so the input never reaches output "${outputName}"`);
    if (next.length > 1) fail(`the graph is not a chain: "${current}" feeds ${next.length} nodes (${next.map((n) => `"${n.name}"`).join(", ")})`);
    const node = next[0];
    if (visited.has(node)) fail(`the graph is not a chain: ${describe(node)} is part of a cycle`);
    visited.add(node);
    const dynamic = node.inputs.filter(isDynamic);
    if (dynamic.length !== 1) {
      fail(`the graph is not a chain: ${describe(node)} combines ${dynamic.length} computed values (${dynamic.map((d) => `"${d}"`).join(", ")})`);
    }
    const outs = node.outputs.filter((o) => o !== "");
    if (outs.length !== 1) fail(`${describe(node)} has ${outs.length} outputs, expected one`);
    const op = node.domain === "" || node.domain === "ai.onnx" ? node.opType : `${node.domain}.${node.opType}`;
    const source = describe(node);
    switch (op) {
      case "Gemm": {
        if (node.inputs[0] !== current) fail(`${source}: the data must be input A`);
        if (intAttribute(node, "transA", 0) !== 0) fail(`${source}: transA = 1 is not supported`);
        const alpha = floatAttribute(node, "alpha", 1);
        const beta = floatAttribute(node, "beta", 1);
        const transB = intAttribute(node, "transB", 0) !== 0;
        const { values: B, dims } = weightsOf(node, node.inputs[1] ?? "", "weight");
        if (dims.length !== 2) fail(`${source}: weight "${node.inputs[1]}" has ${dims.length} dimensions, expected 2`);
        // Y = α·A·op(B) + β·C (ONNX Gemm); row n of our W is column n of op(B).
        const [outDim, inDim] = transB ? [dims[0], dims[1]] : [dims[1], dims[0]];
        checkLayerSize([outDim, inDim], source, fail);
        const weights = new Float64Array(outDim * inDim);
        for (let n = 0; n < outDim; n++) {
          for (let k = 0; k < inDim; k++) weights[n * inDim + k] = alpha * (transB ? B[n * inDim + k] : B[k * outDim + n]);
        }
        const cName = node.inputs[2] ?? "";
        const bias = cName === "" ? new Float64Array(outDim) : broadcastBias(node, cName, outDim, beta);
        stages.push({ kind: "affine", inDim, outDim, weights, bias, source });
        width = outDim;
        break;
      }
      case "MatMul": {
        if (node.inputs[0] !== current) fail(`${source}: only data × weight is supported (the data must be the first input)`);
        const { values: B, dims } = weightsOf(node, node.inputs[1] ?? "", "weight");
        if (dims.length !== 2) fail(`${source}: weight "${node.inputs[1]}" has ${dims.length} dimensions, expected 2`);
        const [inDim, outDim] = dims;
        const weights = new Float64Array(outDim * inDim);
        for (let n = 0; n < outDim; n++) for (let k = 0; k < inDim; k++) weights[n * inDim + k] = B[k * outDim + n];
        stages.push({ kind: "affine", inDim, outDim, weights, bias: new Float64Array(outDim), source });
        width = outDim;
        break;
      }
      case "Add": {
        const other = node.inputs.find((name, i) => i < 2 && name !== current) ?? "";
        const t = constants.get(other);
        const n = width ?? (t && t.dims.length > 0 ? t.dims[t.dims.length - 1] : undefined);
        if (n === undefined) fail(`${source}: cannot tell the width of "${current}"`);
        checkLayerSize([n!, n!], `${source} (adding a constant to a ${n}-wide value is a ${n} × ${n} affine layer)`, fail);
        const bias = broadcastBias(node, other, n!, 1);
        const weights = new Float64Array(n! * n!);
        for (let i = 0; i < n!; i++) weights[i * n! + i] = 1;
        stages.push({ kind: "affine", inDim: n!, outDim: n!, weights, bias, source });
        width = n;
        break;
      }
      case "Relu":
        stages.push({ kind: "activation", activation: { kind: "relu" }, source });
        break;
      case "LeakyRelu":
        stages.push({ kind: "activation", activation: { kind: "leaky-relu", alpha: floatAttribute(node, "alpha", ONNX_LEAKY_RELU_DEFAULT_ALPHA) }, source });
        break;
      case "Flatten": {
        const axis = intAttribute(node, "axis", 1);
        if (axis !== 1) fail(`${source}: Flatten with axis ${axis} is not supported (only axis 1, which keeps the batch dimension)`);
        break;
      }
      default:
        if (!PASS_THROUGH.has(op)) fail(`unsupported operator ${op} in node "${node.name || outs[0]}"`);
    }
    current = outs[0];
  }
  for (const node of graph.nodes) {
    if (node.opType !== "Constant" && !visited.has(node)) {
      fail(`the graph is not a chain: ${describe(node)} is not on the path from "${input.name}" to "${outputName}"`);
    }
  }
  return assembleChain(stages, declared, fail);
}
