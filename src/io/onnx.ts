/**
 * ONNX → {@link Network}: a small, exact graph compiler. Every computed tensor is held as an affine map of the
 * current hidden layer's output (the input at first), so affine operators (Gemm, MatMul, Add/Sub/Mul/Div by
 * constants, BatchNormalization, Conv, AveragePool, GlobalAveragePool, Pad with zeros, Reshape, Flatten, Transpose…)
 * compose into that map without rounding beyond float64; an activation (Relu, LeakyRelu, PRelu, Clip(0, ∞)) closes
 * a hidden layer, and MaxPool makes a layer of max units. Values that a later node still needs (the skip path of a
 * residual block) are carried through each layer by pass-through units. Shape plumbing (Shape, Gather, Concat,
 * Constant, Squeeze, Unsqueeze, Cast…) is folded to constants. Core-safe: bytes in (and an optional reader for
 * external data), no file access. Every error is one {@link ModelError} line that starts with the caller's label.
 * The table of operators and how each is lowered is in docs/formats.md.
 */
import type { Activation, DenseLayer, Network } from "../model/network.ts";
import { ModelError, validateNetwork } from "../model/validate.ts";
import { checkLayerSize } from "./limits.ts";
import {
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  OnnxAttributeType,
  OnnxDataType,
  dataTypeName,
  decodeOnnxModel,
  elementCount,
  tensorToFloat64,
  tensorToIntegers,
} from "./onnx-proto.ts";

/** ONNX's default LeakyRelu slope (operator spec, attribute `alpha`). */
const ONNX_LEAKY_RELU_DEFAULT_ALPHA = 0.01;
/** ONNX's default BatchNormalization epsilon (operator spec). */
const ONNX_BN_DEFAULT_EPSILON = 1e-5;
/** Use the sparse path when VA has fewer than 1 in SPARSE_RATIO entries nonzero (its bookkeeping costs ~4×). */
const SPARSE_RATIO = 4;

/** Operators that only move elements: they keep an activation pending (see the compile loop). */
const SHAPE_ONLY: ReadonlySet<string> = new Set(["Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze"]);

const FLOAT_TYPES: ReadonlySet<number> = new Set([OnnxDataType.FLOAT, OnnxDataType.DOUBLE, OnnxDataType.FLOAT16]);

/** Options of {@link parseOnnx}. */
export interface OnnxParseOptions {
  /**
   * Returns the bytes of an external data file named by a tensor's `location` (relative to the model's folder),
   * or throws an Error whose message says why not (one line). Without it, external data is refused.
   */
  externalData?: (location: string) => Uint8Array;
}

/** One row of the layer table `tessera info` shows: an original ONNX node. */
export interface OnnxLayerRow {
  op: string;
  name: string;
  /** Output shape without the batch axis. */
  shape: number[];
  /** Trainable parameters as torch counts them (weights and biases; BatchNorm's scale and shift; PReLU slopes). */
  parameters: number;
}

/** What wrote the file and the original operators, for `tessera info`. */
export interface OnnxProvenance {
  producer: string;
  producerVersion: string;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  rows: OnnxLayerRow[];
}

/** A constant tensor (initializer, Constant node or folded shape arithmetic). */
interface Const {
  kind: "const";
  dims: number[];
  data: Float64Array;
  /** Integer-typed (shapes, axes, indices). */
  integer: boolean;
}

/** A computed tensor: row-major values = A · state + c, A `[size × stateDim]`. The batch axis is 1. */
interface Dyn {
  kind: "dyn";
  dims: number[];
  A: Float64Array;
  c: Float64Array;
}

/** An activation not yet applied: out_i = pre_i for pre_i > 0, slope_i · pre_i otherwise. */
interface Pending {
  kind: "pending";
  dims: number[];
  pre: Dyn;
  slope: Float64Array;
  source: string;
  done?: Dyn;
  /** Made from `root` by moving elements: element f is root's element map[f] (one set of units for both). */
  root?: { pending: Pending; map: Int32Array };
}

type Value = Const | Dyn | Pending;

function attribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attributes.find((a) => a.name === name);
}
function intAttr(node: OnnxNode, name: string, fallback: number): number {
  return attribute(node, name)?.i ?? fallback;
}
function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  return attribute(node, name)?.f ?? fallback;
}
function intsAttr(node: OnnxNode, name: string): number[] | undefined {
  const a = attribute(node, name);
  return a && (a.type === OnnxAttributeType.INTS || a.ints.length > 0) ? a.ints : undefined;
}
function stringAttr(node: OnnxNode, name: string, fallback: string): string {
  const a = attribute(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : fallback;
}

function describe(node: OnnxNode): string {
  return `${node.opType} node "${node.name || node.outputs[0] || "?"}"`;
}

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** Numpy broadcast of two shapes, or undefined when they do not broadcast. */
function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** For each flat index of `target`, the flat index of a tensor of shape `dims` broadcast to it. */
function broadcastIndex(dims: readonly number[], target: readonly number[]): Int32Array {
  const n = elementCount(target);
  const out = new Int32Array(n);
  const ts = stridesOf(target), ds = stridesOf(dims);
  const off = target.length - dims.length;
  for (let f = 0; f < n; f++) {
    let rem = f, idx = 0;
    for (let ax = 0; ax < target.length; ax++) {
      const coord = Math.floor(rem / ts[ax]);
      rem -= coord * ts[ax];
      const d = ax - off;
      if (d >= 0 && dims[d] !== 1) idx += coord * ds[d];
    }
    out[f] = idx;
  }
  return out;
}

/** The tensor a Constant node defines (`value`, `value_float(s)`, `value_int(s)`), if any. */
function constantNodeTensor(node: OnnxNode): OnnxTensor | undefined {
  const blank: OnnxTensor = { floatData: [], doubleData: [], int32Data: [], int64Data: [], dataLocation: 0, externalData: [], name: node.outputs[0] ?? "", dims: [], dataType: OnnxDataType.FLOAT };
  for (const a of node.attributes) {
    if (a.name === "value" && a.t) return { ...a.t, name: blank.name };
    if (a.name === "value_float" && a.f !== undefined) return { ...blank, floatData: [a.f] };
    if (a.name === "value_floats") return { ...blank, dims: [a.floats.length], floatData: a.floats };
    if (a.name === "value_int" && a.i !== undefined) return { ...blank, dataType: OnnxDataType.INT64, int64Data: [a.i] };
    if (a.name === "value_ints") return { ...blank, dims: [a.ints.length], dataType: OnnxDataType.INT64, int64Data: a.ints };
  }
  return undefined;
}

/** A compiled layer before validation. */
interface Layer {
  W: Float64Array;
  b: Float64Array;
  inDim: number;
  outDim: number;
  activation: Activation;
}

/**
 * Parse ONNX model bytes into a validated network. `label` prefixes every error message (use the file path).
 * See {@link parseOnnxModel} for the provenance and layer table.
 */
export function parseOnnx(bytes: Uint8Array, label: string, options: OnnxParseOptions = {}): Network {
  return parseOnnxModel(bytes, label, options).network;
}

/** Parse ONNX model bytes: the network, plus what wrote the file and the original operators. */
export function parseOnnxModel(bytes: Uint8Array, label: string, options: OnnxParseOptions = {}): { network: Network; provenance: OnnxProvenance } {
  const fail = (message: string): never => {
    throw new ModelError(`${label}: ${message}`);
  };
  if (bytes.length === 0) fail("the file is empty");
  let model: OnnxModel;
  try {
    model = decodeOnnxModel(bytes);
  } catch (err) {
    return fail(`not a valid ONNX file, corrupt or truncated (${err instanceof Error ? err.message : String(err)})`);
  }
  const graph = model.graph;
  if (!graph) return fail("not an ONNX model: the file has no graph");
  if (graph.nodes.length === 0) fail("the ONNX graph is empty (no nodes)");
  if (graph.sparseInitializers > 0) fail("sparse initializers are not supported");
  return compile(model, label, options, fail);
}

/**
 * Compile a decoded ONNX model (or one built in memory, as the TF.js reader does for Keras layers) into a validated
 * network. Errors are one-line {@link ModelError}s starting with `label`.
 */
export function compileOnnxModel(model: OnnxModel, label: string, options: OnnxParseOptions = {}): { network: Network; provenance: OnnxProvenance } {
  const fail = (message: string): never => {
    throw new ModelError(`${label}: ${message}`);
  };
  if (!model.graph || model.graph.nodes.length === 0) fail("the graph is empty (no nodes)");
  return compile(model, label, options, fail);
}

function compile(model: OnnxModel, label: string, options: OnnxParseOptions, fail: (message: string) => never): { network: Network; provenance: OnnxProvenance } {
  const graph = model.graph!;
  const externalFiles = new Map<string, Uint8Array>();

  /** A tensor's bytes from its external file (location, offset, length), as raw_data. */
  const resolveExternal = (t: OnnxTensor, where: string): OnnxTensor => {
    if (t.dataLocation !== 1) return t;
    const entry = (k: string) => t.externalData.find((e) => e.key === k)?.value;
    const location = entry("location");
    if (location === undefined || location === "") fail(`${where}: stored in an external file, but its location is missing`);
    if (!options.externalData) fail(`${where}: stored in the external file "${location}", which was not supplied (give it beside the model)`);
    let file = externalFiles.get(location!);
    if (!file) {
      try {
        file = options.externalData!(location!);
      } catch (err) {
        return fail(`${where}: external data "${location}": ${err instanceof Error ? err.message : String(err)}`);
      }
      externalFiles.set(location!, file);
    }
    const offset = Number(entry("offset") ?? 0);
    const width = t.dataType === OnnxDataType.DOUBLE || t.dataType === OnnxDataType.INT64 ? 8 : t.dataType === OnnxDataType.FLOAT16 ? 2 : t.dataType === OnnxDataType.INT32 || t.dataType === OnnxDataType.FLOAT ? 4 : 1;
    const length = entry("length") !== undefined ? Number(entry("length")) : elementCount(t.dims) * width;
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      fail(`${where}: external data "${location}" has a bad offset or length (${entry("offset")}, ${entry("length")})`);
    }
    if (offset + length > file.length) {
      fail(`${where}: external data "${location}" holds ${file.length} bytes, the tensor needs bytes ${offset}…${offset + length}`);
    }
    return { ...t, dataLocation: 0, rawData: file.subarray(offset, offset + length) };
  };

  const values = new Map<string, Value>();
  const toConst = (t: OnnxTensor, where: string): Const => {
    // By the declared shape, before its bytes (or an external file) are read or anything is allocated.
    checkLayerSize(t.dims, `${where} (a constant of the graph)`, fail);
    const r = resolveExternal(t, where);
    const integer = !FLOAT_TYPES.has(r.dataType);
    let data: Float64Array;
    try {
      data = integer ? Float64Array.from(tensorToIntegers(r)) : tensorToFloat64(r);
    } catch (err) {
      return fail(`${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) fail(`${where} holds ${data[i]} at index ${i}; weights must be finite`);
    }
    return { kind: "const", dims: r.dims.slice(), data, integer };
  };
  for (const t of graph.initializers) values.set(t.name, toConst(t, `initializer "${t.name}"`));

  const inputs = graph.inputs.filter((v) => !values.has(v.name));
  if (inputs.length === 0) fail("the graph has no input");
  if (inputs.length > 1) fail(`the graph has ${inputs.length} inputs (${inputs.map((v) => `"${v.name}"`).join(", ")}); a network takes one`);
  if (graph.outputs.length !== 1) fail(`the graph has ${graph.outputs.length} outputs; a network has one`);
  const input = inputs[0];
  const outputName = graph.outputs[0].name;
  if (input.elemType !== undefined && !FLOAT_TYPES.has(input.elemType)) {
    fail(`input "${input.name}" has type ${dataTypeName(input.elemType)}, expected a float tensor`);
  }

  // Uses of each value by nodes that lead to the output (dead nodes are refused below), plus the graph output.
  const producer = new Map<string, OnnxNode>();
  for (const node of graph.nodes) for (const o of node.outputs) if (o) producer.set(o, node);
  const needed = new Set<OnnxNode>();
  const stack = [outputName];
  const seen = new Set<string>();
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const p = producer.get(name);
    if (p && !needed.has(p)) {
      needed.add(p);
      for (const i of p.inputs) if (i) stack.push(i);
    }
  }
  if (!seen.has(input.name)) fail(`the output "${outputName}" does not depend on the input "${input.name}"`);
  // Names computed from the input (the rest is constant folding).
  const dynamicNames = new Set<string>([input.name]);
  for (const node of graph.nodes) {
    if (node.inputs.some((i) => dynamicNames.has(i)) && node.opType !== "Shape") for (const o of node.outputs) if (o) dynamicNames.add(o);
  }
  const uses = new Map<string, number>();
  for (const node of graph.nodes) {
    if (!needed.has(node)) continue;
    for (const i of node.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  }
  uses.set(outputName, (uses.get(outputName) ?? 0) + 1);

  // The input: shape without free dimensions except the batch axis, which is 1 here.
  let inputDims: number[];
  if (input.shape && input.shape.length >= 1) {
    inputDims = input.shape.map((d, i) => (typeof d === "number" && d > 0 ? d : i === 0 ? 1 : -1));
    const free = inputDims.findIndex((d) => d < 0);
    if (free >= 0) fail(`input "${input.name}" has a free dimension ${free} ("${input.shape[free]}"); only the batch axis may be free`);
    if (inputDims[0] !== 1) fail(`input "${input.name}" has a batch axis of ${inputDims[0]}; export with batch 1 or a dynamic batch axis`);
  } else {
    // No declared shape: the first Gemm / MatMul decides the width.
    inputDims = [];
  }

  const layers: Layer[] = [];
  let stateDim = elementCount(inputDims.slice(1));
  /** A rows × cols affine map of the input, refused in one line (not a failed allocation) beyond MAX_LAYER_ENTRIES (src/io/limits.ts). */
  const affineOfInput = (rows: number, cols: number, what: string): Float64Array => {
    checkLayerSize([rows, cols], what, fail);
    return new Float64Array(rows * cols);
  };
  const identityDyn = (dims: number[], n: number, what = `input "${input.name}"`): Dyn => {
    const A = affineOfInput(n, n, `${what} (a ${n}-wide identity map)`);
    for (let i = 0; i < n; i++) A[i * n + i] = 1;
    return { kind: "dyn", dims, A, c: new Float64Array(n) };
  };
  if (inputDims.length > 0) values.set(input.name, identityDyn(inputDims, stateDim));

  const rows: OnnxLayerRow[] = [];
  const seenAs = new Set<string>();

  /** Close a hidden layer: the pending activations plus pass-through units for every other live value. */
  const closeLayer = (given: Pending[], reason: string): void => {
    let pendings = [...given];
    const live: Value[] = [];
    const liveSeen = new Set<unknown>();
    for (const [name, v] of values) {
      if ((uses.get(name) ?? 0) <= 0 || v.kind === "const") continue;
      const key = v.kind === "dyn" ? v.A : v;
      if (v.kind === "pending" && (v.done || pendings.includes(v))) continue;
      if (liveSeen.has(key)) continue;
      liveSeen.add(key);
      live.push(v);
    }
    for (const p of live) if (p.kind === "pending") pendings.push(p);
    // A pending made from another by moving elements shares its units: materialize the root once.
    const derived = pendings.filter((p) => p.root);
    for (const d of derived) if (!d.root!.pending.done && !pendings.includes(d.root!.pending)) pendings.push(d.root!.pending);
    pendings = pendings.filter((p) => !p.root || p.root.pending.done);
    for (const d of derived) if (d.root!.pending.done && !pendings.includes(d)) pendings.push(d);
    const carried = live.filter((v): v is Dyn => v.kind === "dyn");
    const parts: { pre: Dyn; slope?: Float64Array }[] = [...pendings.map((p) => ({ pre: p.pre, slope: p.slope })), ...carried.map((d) => ({ pre: d }))];
    let outDim = 0;
    for (const p of parts) outDim += p.pre.c.length;
    const W = affineOfInput(outDim, stateDim, `${reason}: the compiled layer (${outDim} units on ${stateDim} inputs)`), b = new Float64Array(outDim);
    const slope = new Float64Array(outDim), pass = new Uint8Array(outDim);
    let at = 0;
    for (const p of parts) {
      W.set(p.pre.A, at * stateDim);
      b.set(p.pre.c, at);
      const n = p.pre.c.length;
      if (p.slope) slope.set(p.slope, at);
      else pass.fill(1, at, at + n);
      at += n;
    }
    let activation: Activation;
    const rect = Array.from(slope).filter((_, i) => !pass[i]);
    if (pass.every((p) => p === 0) && rect.every((s) => s === rect[0])) activation = rect[0] === 0 ? { kind: "relu" } : { kind: "leaky-relu", alpha: rect[0] };
    else activation = { kind: "per-unit", slope, passThrough: pass };
    layers.push({ W, b, inDim: stateDim, outDim, activation });
    const newDim = outDim;
    const select = (start: number, n: number, dims: number[]): Dyn => {
      const A = affineOfInput(n, newDim, "a layer's output");
      for (let i = 0; i < n; i++) A[i * newDim + start + i] = 1;
      return { kind: "dyn", dims, A, c: new Float64Array(n) };
    };
    at = 0;
    const remap = new Map<unknown, Dyn>();
    for (const p of pendings) {
      p.done = select(at, p.pre.c.length, p.dims);
      at += p.pre.c.length;
    }
    for (const d of derived) {
      if (d.done) continue;
      const r = d.root!.pending.done!, n = d.root!.map.length;
      const A = affineOfInput(n, newDim, "a layer's output");
      for (let f = 0; f < n; f++) A.set(r.A.subarray(d.root!.map[f] * newDim, (d.root!.map[f] + 1) * newDim), f * newDim);
      d.done = { kind: "dyn", dims: d.dims, A, c: new Float64Array(n) };
    }
    for (const d of carried) {
      remap.set(d.A, select(at, d.c.length, d.dims));
      at += d.c.length;
    }
    for (const [name, v] of values) {
      if (v.kind === "dyn") {
        const r = remap.get(v.A);
        if (r) values.set(name, { ...r, dims: v.dims });
        else values.delete(name); // no longer needed: it belonged to the previous state
      } else if (v.kind === "pending") {
        if (v.done) values.set(name, { ...v.done, dims: v.dims });
        else values.delete(name);
      }
    }
    stateDim = newDim;
  };

  /** A max layer: unit u is the max of state-affine pieces groups[u]; all groups the same size. */
  const maxLayer = (pieces: Dyn, rank: number, dims: number[], node: OnnxNode): Dyn => {
    for (const [name, v] of values) {
      if ((uses.get(name) ?? 0) > 0 && v.kind !== "const") {
        fail(`${describe(node)}: MaxPool while another value ("${name}") is still needed later (a skip path around MaxPool) is not supported`);
      }
    }
    const outDim = pieces.c.length;
    layers.push({ W: pieces.A, b: pieces.c, inDim: stateDim, outDim, activation: { kind: "maxout", rank } });
    const units = outDim / rank;
    stateDim = units;
    for (const name of [...values.keys()]) if (values.get(name)!.kind !== "const") values.delete(name);
    return identityDyn(dims, units, "a max layer's output");
  };

  const materialize = (v: Value, node: OnnxNode): Const | Dyn => {
    if (v.kind !== "pending") return v;
    if (!v.done) closeLayer([v], describe(node));
    return { ...v.done!, dims: v.dims };
  };

  const get = (node: OnnxNode, index: number, role: string): Value => {
    const name = node.inputs[index] ?? "";
    if (name === "") fail(`${describe(node)} has no ${role} (input ${index})`);
    const v = values.get(name);
    if (!v) {
      if (name === input.name) fail(`${describe(node)}: input "${name}" has no declared shape, and the first operation is not Gemm or MatMul`);
      if (producer.has(name) || name === input.name) fail(`${describe(node)}: its ${role} "${name}" is not available (the graph is not in topological order)`);
      fail(`missing initializer "${name}" (the ${role} of ${describe(node)})`);
    }
    return v!;
  };
  const getData = (node: OnnxNode, index: number, role: string): Const | Dyn => materialize(get(node, index, role), node);
  const getConst = (node: OnnxNode, index: number, role: string): Const => {
    const v = get(node, index, role);
    if (v.kind !== "const") fail(`${describe(node)}: its ${role} "${node.inputs[index]}" is computed from the input (data-dependent); only constants are supported there`);
    return v as Const;
  };
  const optionalConst = (node: OnnxNode, index: number, role: string): Const | undefined =>
    (node.inputs[index] ?? "") === "" ? undefined : getConst(node, index, role);
  const floatConst = (node: OnnxNode, index: number, role: string): Const => {
    const c = getConst(node, index, role);
    if (c.integer) fail(`${describe(node)}: ${role} "${node.inputs[index]}" has an integer type, weights must be FLOAT, DOUBLE or FLOAT16`);
    return c;
  };

  /** An elementwise affine change of a computed tensor: out_f = scale[f] · v_f + shift[f] over `dims`. */
  const scaleShift = (v: Dyn, dims: number[], scale: Float64Array | undefined, shift: Float64Array | undefined): Dyn => {
    const n = elementCount(dims);
    const idx = broadcastIndex(v.dims, dims);
    const A = affineOfInput(n, stateDim, "a computed tensor"), c = new Float64Array(n);
    for (let f = 0; f < n; f++) {
      const s = scale ? scale[f] : 1, src = idx[f];
      if (s !== 0) for (let j = 0; j < stateDim; j++) A[f * stateDim + j] = s * v.A[src * stateDim + j];
      c[f] = s * v.c[src] + (shift ? shift[f] : 0);
    }
    return { kind: "dyn", dims, A, c };
  };
  const expandConst = (k: Const, dims: number[]): Float64Array => {
    const idx = broadcastIndex(k.dims, dims);
    return Float64Array.from(idx, (i) => k.data[i]);
  };
  /** out = Σ_k M[r, k] · v_k + m[r]: a linear map on the flat values, M given sparsely by `taps` per row. */
  const linearMap = (v: Dyn, dims: number[], taps: (r: number, add: (k: number, w: number) => void) => void, bias?: (r: number) => number): Dyn => {
    const n = elementCount(dims);
    checkLayerSize([n, stateDim], `the tensor of shape [${dims.join(", ")}] on ${stateDim} inputs`, fail);
    // Collect M as compressed rows first, then one tight dense loop (closures in the inner loop are slow).
    const rowStart = new Int32Array(n + 1);
    let cols: number[] = [], ws: number[] = [];
    for (let r = 0; r < n; r++) {
      taps(r, (k, w) => {
        if (w !== 0) {
          cols.push(k);
          ws.push(w);
        }
      });
      rowStart[r + 1] = cols.length;
    }
    const colArr = Int32Array.from(cols), wArr = Float64Array.from(ws);
    cols = ws = [];
    const A = affineOfInput(n, stateDim, "a computed tensor"), c = new Float64Array(n);
    applySparse(rowStart, colArr, wArr, v.A, v.c, stateDim, A, c);
    if (bias) for (let r = 0; r < n; r++) c[r] += bias(r);
    return { kind: "dyn", dims, A, c };
  };
  const reshaped = (v: Const | Dyn, dims: number[]): Const | Dyn => ({ ...v, dims });
  const permute = (v: Const | Dyn, perm: number[]): Const | Dyn => {
    const dims = perm.map((p) => v.dims[p]);
    const inS = stridesOf(v.dims), outS = stridesOf(dims);
    const n = elementCount(dims);
    const src = new Int32Array(n);
    for (let f = 0; f < n; f++) {
      let rem = f, idx = 0;
      for (let ax = 0; ax < dims.length; ax++) {
        const coord = Math.floor(rem / outS[ax]);
        rem -= coord * outS[ax];
        idx += coord * inS[perm[ax]];
      }
      src[f] = idx;
    }
    if (v.kind === "const") return { ...v, dims, data: Float64Array.from(src, (i) => v.data[i]) };
    const A = affineOfInput(n, stateDim, "a computed tensor"), c = new Float64Array(n);
    for (let f = 0; f < n; f++) {
      A.set(v.A.subarray(src[f] * stateDim, (src[f] + 1) * stateDim), f * stateDim);
      c[f] = v.c[src[f]];
    }
    return { kind: "dyn", dims, A, c };
  };
  const normAxis = (axis: number, rank: number, node: OnnxNode): number => {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) fail(`${describe(node)}: axis ${axis} is out of range for rank ${rank}`);
    return a;
  };
  const intList = (node: OnnxNode, index: number, attrName: string): number[] | undefined => {
    if ((node.inputs[index] ?? "") !== "") return Array.from(getConst(node, index, attrName).data);
    return intsAttr(node, attrName);
  };

  /** Spatial window geometry of Conv / pools: output size per spatial axis, with explicit or automatic pads. */
  const windowGeometry = (node: OnnxNode, spatial: number[], kernel: number[]) => {
    const k = spatial.length;
    const strides = intsAttr(node, "strides") ?? new Array(k).fill(1);
    const dil = intsAttr(node, "dilations") ?? new Array(k).fill(1);
    let pads = intsAttr(node, "pads") ?? new Array(2 * k).fill(0);
    const autoPad = stringAttr(node, "auto_pad", "NOTSET");
    if (intAttr(node, "ceil_mode", 0) !== 0) fail(`${describe(node)}: ceil_mode = 1 is not supported (use the default ceil_mode=False)`);
    if (strides.length !== k || dil.length !== k || pads.length !== 2 * k) fail(`${describe(node)}: strides, dilations or pads do not match ${k} spatial axes`);
    const out: number[] = [];
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      pads = new Array(2 * k).fill(0);
      for (let i = 0; i < k; i++) {
        const o = Math.ceil(spatial[i] / strides[i]);
        const total = Math.max(0, (o - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - spatial[i]);
        const small = Math.floor(total / 2);
        pads[i] = autoPad === "SAME_UPPER" ? small : total - small;
        pads[i + k] = total - pads[i];
      }
    } else if (autoPad === "VALID") pads = new Array(2 * k).fill(0);
    else if (autoPad !== "NOTSET") fail(`${describe(node)}: auto_pad "${autoPad}" is not supported`);
    for (let i = 0; i < k; i++) {
      const o = Math.floor((spatial[i] + pads[i] + pads[i + k] - (kernel[i] - 1) * dil[i] - 1) / strides[i]) + 1;
      if (o < 1) fail(`${describe(node)}: the window does not fit the input on spatial axis ${i}`);
      out.push(o);
    }
    return { strides, dil, pads, out };
  };
  /** Calls visit(outFlat, inFlat or -1 for padding) for each (output position, kernel offset) over spatial axes. */
  const spatialIndex = (spatial: number[], out: number[], kernel: number[], strides: number[], dil: number[], pads: number[]) => {
    const k = spatial.length;
    const outN = elementCount(out), kN = elementCount(kernel);
    const oS = stridesOf(out), kS = stridesOf(kernel), iS = stridesOf(spatial);
    const table = new Int32Array(outN * kN);
    for (let o = 0; o < outN; o++) {
      for (let q = 0; q < kN; q++) {
        let idx = 0, inside = true;
        for (let ax = 0; ax < k; ax++) {
          const oc = Math.floor(o / oS[ax]) % out[ax], kc = Math.floor(q / kS[ax]) % kernel[ax];
          const ic = oc * strides[ax] - pads[ax] + kc * dil[ax];
          if (ic < 0 || ic >= spatial[ax]) inside = false;
          idx += ic * iS[ax];
        }
        table[o * kN + q] = inside ? idx : -1;
      }
    }
    return { table, outN, kN };
  };

  const params = (...cs: (Const | undefined)[]) => cs.reduce((s, c) => s + (c ? c.data.length : 0), 0);
  const channelDims = (v: { dims: number[] }, node: OnnxNode): number[] => {
    if (v.dims.length < 2) fail(`${describe(node)}: expected an input with a channel axis (N, C, …), got shape [${v.dims.join(", ")}]`);
    return v.dims;
  };
  const perChannel = (k: Const, channels: number, rank: number, node: OnnxNode, role: string): Float64Array => {
    if (k.data.length !== channels && k.data.length !== 1) fail(`${describe(node)}: ${role} has ${k.data.length} values for ${channels} channels`);
    const dims = new Array(rank).fill(1);
    dims[1] = channels;
    return k.data.length === 1 ? new Float64Array(channels).fill(k.data[0]) : k.data;
  };
  const channelIndex = (dims: number[]): Int32Array => {
    const spatial = elementCount(dims.slice(2));
    return Int32Array.from({ length: elementCount(dims) }, (_, f) => Math.floor(f / spatial) % dims[1]);
  };

  for (const node of graph.nodes) {
    const domainOk = node.domain === "" || node.domain === "ai.onnx";
    if (node.opType === "Constant" && domainOk) {
      const t = constantNodeTensor(node);
      if (!t) fail(`${describe(node)} has no value attribute`);
      values.set(node.outputs[0], toConst(t!, describe(node)));
      continue;
    }
    if (!needed.has(node)) {
      if (node.inputs.some((i) => dynamicNames.has(i))) fail(`${describe(node)} computes from the input but does not lead to the output "${outputName}"`);
      continue;
    }
    const op = domainOk ? node.opType : `${node.domain}.${node.opType}`;
    const src = describe(node);
    const outs = node.outputs;
    // The first Gemm / MatMul decides the input width when the input has no declared shape.
    if (!values.has(input.name) && node.inputs[0] === input.name && (op === "Gemm" || op === "MatMul")) {
      const w = getConst(node, 1, "weight");
      const transB = op === "Gemm" && intAttr(node, "transB", 0) !== 0;
      const k = transB ? w.dims[1] : w.dims[0];
      inputDims = [1, k];
      stateDim = k;
      values.set(input.name, identityDyn(inputDims, k));
    }
    // Shape-only operators on a pending activation act on its pre-activations and keep it pending (so a MaxPool
    // behind a Transpose or Reshape still sees it): σ commutes with moving elements around.
    let wrapped: Pending | undefined;
    if (SHAPE_ONLY.has(op)) {
      const v0 = values.get(node.inputs[0] ?? "");
      if (v0?.kind === "pending" && !v0.done) {
        wrapped = v0;
        values.set(node.inputs[0], { ...v0.pre, dims: v0.dims });
      }
    }
    // Activations still pending on this node's inputs close one layer together (MaxPool takes them as they are).
    if (op !== "MaxPool" && op !== "Identity" && op !== "Dropout") {
      const pend = node.inputs.map((i) => values.get(i)).filter((v): v is Pending => v?.kind === "pending" && !v.done);
      if (pend.length) closeLayer([...new Set(pend)], src);
    }
    let result: Value;
    let paramCount = 0;
    switch (op) {
      case "Identity":
      case "Dropout": {
        if (op === "Dropout" && outs[1] && (uses.get(outs[1]) ?? 0) > 0) fail(`${src}: its mask output is used, which is not supported`);
        if (op === "Dropout" && intAttr(node, "training_mode", 0) !== 0) fail(`${src}: training mode is not supported (export in eval mode)`);
        if (op === "Dropout" && (node.inputs[2] ?? "") !== "") {
          const t = getConst(node, 2, "training_mode");
          if (t.data[0]) fail(`${src}: training mode is not supported (export in eval mode)`);
        }
        result = get(node, 0, "input");
        break;
      }
      case "Cast": {
        const v = getData(node, 0, "input");
        const to = intAttr(node, "to", OnnxDataType.FLOAT);
        if (v.kind === "dyn") {
          if (!FLOAT_TYPES.has(to)) fail(`${src}: casting computed data to ${dataTypeName(to)} is not piecewise linear`);
          result = v;
        } else result = { ...v, integer: !FLOAT_TYPES.has(to), data: FLOAT_TYPES.has(to) ? v.data : v.data.map(Math.trunc) };
        break;
      }
      case "Shape": {
        const v = getData(node, 0, "input");
        let start = intAttr(node, "start", 0), end = intAttr(node, "end", v.dims.length);
        if (start < 0) start += v.dims.length;
        if (end < 0) end += v.dims.length;
        const d = v.dims.slice(Math.max(0, start), Math.min(v.dims.length, end));
        result = { kind: "const", dims: [d.length], data: Float64Array.from(d), integer: true };
        break;
      }
      case "Gather": {
        const data = getConst(node, 0, "data");
        const ind = getConst(node, 1, "indices");
        const axis = normAxis(intAttr(node, "axis", 0), data.dims.length, node);
        const outer = elementCount(data.dims.slice(0, axis)), inner = elementCount(data.dims.slice(axis + 1)), n = data.dims[axis];
        const out: number[] = [];
        for (let o = 0; o < outer; o++) {
          for (const raw of ind.data) {
            const i = raw < 0 ? raw + n : raw;
            if (i < 0 || i >= n) fail(`${src}: index ${raw} is out of range for ${n}`);
            for (let q = 0; q < inner; q++) out.push(data.data[(o * n + i) * inner + q]);
          }
        }
        result = { kind: "const", dims: [...data.dims.slice(0, axis), ...ind.dims, ...data.dims.slice(axis + 1)], data: Float64Array.from(out), integer: data.integer };
        break;
      }
      case "Concat": {
        const parts = node.inputs.map((_, i) => getConst(node, i, `input ${i}`));
        const axis = normAxis(intAttr(node, "axis", 0), parts[0].dims.length, node);
        const outer = elementCount(parts[0].dims.slice(0, axis));
        const out: number[] = [];
        let total = 0;
        for (const p of parts) total += p.dims[axis];
        for (let o = 0; o < outer; o++) {
          for (const p of parts) {
            const chunk = elementCount(p.dims.slice(axis));
            for (let q = 0; q < chunk; q++) out.push(p.data[o * chunk + q]);
          }
        }
        const dims = parts[0].dims.slice();
        dims[axis] = total;
        result = { kind: "const", dims, data: Float64Array.from(out), integer: parts.every((p) => p.integer) };
        break;
      }
      case "Reshape": {
        const v = getData(node, 0, "data");
        const shape = Array.from(getConst(node, 1, "shape").data);
        const allowZero = intAttr(node, "allowzero", 0) !== 0;
        const dims = shape.map((d, i) => (d === 0 && !allowZero ? v.dims[i] : d));
        const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const total = elementCount(v.dims);
        const free = dims.filter((d) => d === -1).length;
        if (free > 1 || (free === 1 && (known === 0 || total % known !== 0)) || (free === 0 && known !== total)) {
          fail(`${src}: cannot reshape [${v.dims.join(", ")}] to [${shape.join(", ")}]`);
        }
        result = reshaped(v, dims.map((d) => (d === -1 ? total / known : d)));
        break;
      }
      case "Flatten": {
        const v = getData(node, 0, "input");
        const axis = intAttr(node, "axis", 1);
        const a = axis < 0 ? axis + v.dims.length : axis;
        result = reshaped(v, [elementCount(v.dims.slice(0, a)), elementCount(v.dims.slice(a))]);
        break;
      }
      case "Squeeze":
      case "Unsqueeze": {
        const v = getData(node, 0, "data");
        const axes = intList(node, 1, "axes");
        if (op === "Squeeze") {
          const r = v.dims.length;
          const drop = new Set((axes ?? v.dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, r, node)));
          for (const a of drop) if (v.dims[a] !== 1) fail(`${src}: axis ${a} has size ${v.dims[a]}, not 1`);
          result = reshaped(v, v.dims.filter((_, i) => !drop.has(i)));
        } else {
          if (!axes) fail(`${src}: no axes`);
          const r = v.dims.length + axes!.length;
          const add = new Set(axes!.map((a) => normAxis(a, r, node)));
          const dims: number[] = [];
          let k = 0;
          for (let i = 0; i < r; i++) dims.push(add.has(i) ? 1 : v.dims[k++]);
          result = reshaped(v, dims);
        }
        break;
      }
      case "Transpose": {
        const v = getData(node, 0, "data");
        const perm = intsAttr(node, "perm") ?? v.dims.map((_, i) => v.dims.length - 1 - i);
        if (v.kind === "dyn" && perm[0] !== 0) fail(`${src}: a transpose that moves the batch axis is not supported`);
        result = permute(v, perm);
        break;
      }
      case "Gemm": {
        const a = getData(node, 0, "A");
        const B = floatConst(node, 1, "weight");
        const C = optionalConst(node, 2, "bias");
        const alpha = floatAttr(node, "alpha", 1), beta = floatAttr(node, "beta", 1);
        const transA = intAttr(node, "transA", 0) !== 0, transB = intAttr(node, "transB", 0) !== 0;
        if (B.dims.length !== 2) fail(`${src}: weight "${node.inputs[1]}" has ${B.dims.length} dimensions, expected 2`);
        const [outDim, inDim] = transB ? [B.dims[0], B.dims[1]] : [B.dims[1], B.dims[0]];
        if (a.kind === "const") fail(`${src}: input A is a constant; the data must be input A`);
        let x = a as Dyn;
        if (transA) {
          if (x.dims.length !== 2 || x.dims[1] !== 1) fail(`${src}: transA = 1 is only supported on a column of data`);
          x = reshaped(x, [1, x.dims[0]]) as Dyn;
        }
        if (x.dims.length !== 2 || x.dims[0] !== 1) fail(`${src}: input A has shape [${x.dims.join(", ")}], expected [batch, features]`);
        if (x.dims[1] !== inDim) fail(`${src} expects ${inDim} inputs but "${node.inputs[0]}" has ${x.dims[1]}`);
        const bias = C ? (() => {
          const bc = broadcastShape(C.dims, [1, outDim]);
          if (!bc || bc.length !== 2 || bc[0] !== 1 || bc[1] !== outDim) fail(`${src}: bias "${node.inputs[2]}" has shape [${C.dims.join(", ")}], which does not broadcast to [${outDim}]`);
          return expandConst(C, [1, outDim]);
        })() : undefined;
        // Y = α·A·op(B) + β·C (ONNX Gemm).
        result = linearMap(x, [1, outDim], (r, add) => {
          for (let k = 0; k < inDim; k++) add(k, alpha * (transB ? B.data[r * inDim + k] : B.data[k * outDim + r]));
        }, (r) => (bias ? beta * bias[r] : 0));
        paramCount = params(B, C);
        break;
      }
      case "MatMul": {
        const a = getData(node, 0, "A");
        const B = get(node, 1, "B");
        if (a.kind !== "dyn" || B.kind !== "const") fail(`${src}: only data × constant weight is supported`);
        const x = a as Dyn, W = B as Const;
        if (W.integer) fail(`${src}: weight "${node.inputs[1]}" has an integer type`);
        if (W.dims.length !== 2) fail(`${src}: weight "${node.inputs[1]}" has ${W.dims.length} dimensions, expected 2`);
        const [inDim, outDim] = W.dims;
        const last = x.dims[x.dims.length - 1];
        if (last !== inDim) fail(`${src} expects ${inDim} inputs but "${node.inputs[0]}" has ${last}`);
        const dims = [...x.dims.slice(0, -1), outDim];
        result = linearMap(x, dims, (r, add) => {
          const lead = Math.floor(r / outDim), n = r % outDim;
          for (let k = 0; k < inDim; k++) add(lead * inDim + k, W.data[k * outDim + n]);
        });
        paramCount = params(W);
        break;
      }
      case "Add":
      case "Sub":
      case "Mul":
      case "Div": {
        const a = getData(node, 0, "A"), b = getData(node, 1, "B");
        const dims = broadcastShape(a.dims, b.dims);
        if (!dims) fail(`${src}: shapes [${a.dims.join(", ")}] and [${b.dims.join(", ")}] do not broadcast`);
        // The broadcast result's size, before any index or value array of that size is allocated.
        checkLayerSize(a.kind === "const" && b.kind === "const" ? dims! : [elementCount(dims!), stateDim], `${src} (its broadcast result)`, fail);
        if (a.kind === "const" && b.kind === "const") {
          const ia = broadcastIndex(a.dims, dims!), ib = broadcastIndex(b.dims, dims!);
          const f = op === "Add" ? (x: number, y: number) => x + y : op === "Sub" ? (x: number, y: number) => x - y : op === "Mul" ? (x: number, y: number) => x * y : (x: number, y: number) => x / y;
          const integer = a.integer && b.integer;
          result = { kind: "const", dims: dims!, data: Float64Array.from(ia, (i, f2) => { const r = f(a.data[i], b.data[ib[f2]]); return integer && op === "Div" ? Math.trunc(r) : r; }), integer };
          break;
        }
        if (a.kind === "dyn" && b.kind === "dyn") {
          if (op !== "Add" && op !== "Sub") fail(`${src}: ${op} of two computed tensors is not piecewise linear`);
          const ia = broadcastIndex(a.dims, dims!), ib = broadcastIndex(b.dims, dims!);
          const n = elementCount(dims!), s = op === "Sub" ? -1 : 1;
          const A = affineOfInput(n, stateDim, "a computed tensor"), c = new Float64Array(n);
          for (let f = 0; f < n; f++) {
            const pa = ia[f] * stateDim, pb = ib[f] * stateDim;
            for (let j = 0; j < stateDim; j++) A[f * stateDim + j] = a.A[pa + j] + s * b.A[pb + j];
            c[f] = a.c[ia[f]] + s * b.c[ib[f]];
          }
          result = { kind: "dyn", dims: dims!, A, c };
          break;
        }
        const [d, k, dynFirst] = a.kind === "dyn" ? [a, b as Const, true] : [b as Dyn, a as Const, false];
        if (k.integer) fail(`${src}: constant "${node.inputs[dynFirst ? 1 : 0]}" has an integer type`);
        const kv = expandConst(k, dims!);
        if (op === "Add") result = scaleShift(d, dims!, undefined, kv);
        else if (op === "Sub") result = dynFirst ? scaleShift(d, dims!, undefined, kv.map((x) => -x)) : scaleShift(d, dims!, new Float64Array(kv.length).fill(-1), kv);
        else if (op === "Mul") result = scaleShift(d, dims!, kv, undefined);
        else {
          if (!dynFirst) fail(`${src}: dividing by computed data is not piecewise linear`);
          if (kv.some((x) => x === 0)) fail(`${src}: divides by zero`);
          result = scaleShift(d, dims!, kv.map((x) => 1 / x), undefined);
        }
        // A bias after MatMul is a parameter (torch's Linear exported as MatMul + Add).
        if (op === "Add" && rows.length > 0 && rows[rows.length - 1].op === "MatMul") paramCount = k.data.length;
        break;
      }
      case "BatchNormalization": {
        if (intAttr(node, "training_mode", 0) !== 0) fail(`${src}: training mode is not supported (export in eval mode)`);
        if (outs.slice(1).some((o) => o && (uses.get(o) ?? 0) > 0)) fail(`${src}: its running-statistics outputs are used, which is not supported`);
        const v = getData(node, 0, "X");
        if (v.kind !== "dyn") fail(`${src}: constant input is not supported`);
        const dims = channelDims(v, node);
        const C = dims[1];
        const scale = perChannel(floatConst(node, 1, "scale"), C, dims.length, node, "scale");
        const shift = perChannel(floatConst(node, 2, "B"), C, dims.length, node, "B");
        const mean = perChannel(floatConst(node, 3, "mean"), C, dims.length, node, "mean");
        const variance = perChannel(floatConst(node, 4, "var"), C, dims.length, node, "var");
        const eps = floatAttr(node, "epsilon", ONNX_BN_DEFAULT_EPSILON);
        // y = γ (x − μ) / √(σ² + ε) + β (ONNX BatchNormalization, inference): a per-channel affine map.
        const ch = channelIndex(dims);
        const s = Float64Array.from(ch, (q) => scale[q] / Math.sqrt(variance[q] + eps));
        const t = Float64Array.from(ch, (q, f) => shift[q] - s[f] * mean[q]);
        result = scaleShift(v as Dyn, dims, s, t);
        paramCount = 2 * C;
        break;
      }
      case "Relu":
      case "LeakyRelu":
      case "PRelu":
      case "Clip": {
        const v = getData(node, 0, "X");
        if (v.kind !== "dyn") fail(`${src}: constant input is not supported`);
        const n = elementCount(v.dims);
        let slope: Float64Array;
        if (op === "Relu") slope = new Float64Array(n);
        else if (op === "LeakyRelu") slope = new Float64Array(n).fill(floatAttr(node, "alpha", ONNX_LEAKY_RELU_DEFAULT_ALPHA));
        else if (op === "PRelu") {
          const k = floatConst(node, 1, "slope");
          if (!broadcastShape(k.dims, v.dims) || broadcastShape(k.dims, v.dims)!.join() !== v.dims.join()) {
            fail(`${src}: slope "${node.inputs[1]}" of shape [${k.dims.join(", ")}] does not broadcast to [${v.dims.join(", ")}]`);
          }
          slope = expandConst(k, v.dims);
          paramCount = k.data.length;
        } else {
          const lo = (node.inputs[1] ?? "") !== "" ? getConst(node, 1, "min").data[0] : floatAttr(node, "min", -Infinity);
          const hi = (node.inputs[2] ?? "") !== "" ? getConst(node, 2, "max").data[0] : floatAttr(node, "max", Infinity);
          if (lo !== 0 || hi !== Infinity) fail(`${src}: only Clip with min 0 and no max (ReLU) is supported, got min ${lo}, max ${hi}`);
          slope = new Float64Array(n);
        }
        result = { kind: "pending", dims: v.dims, pre: v as Dyn, slope, source: src };
        break;
      }
      case "Conv": {
        const x = getData(node, 0, "X");
        if (x.kind !== "dyn") fail(`${src}: constant input is not supported`);
        const W = floatConst(node, 1, "weight");
        const B = optionalConst(node, 2, "bias");
        const dims = channelDims(x, node);
        const spatial = dims.slice(2);
        if (spatial.length === 0) fail(`${src}: expected an input (N, C, spatial…) with at least one spatial axis, got shape [${dims.join(", ")}]`);
        if (W.dims.length !== dims.length) fail(`${src}: weight of rank ${W.dims.length} for an input of rank ${dims.length}`);
        const group = intAttr(node, "group", 1);
        const [M, Cg] = W.dims;
        const kernel = W.dims.slice(2);
        const C = dims[1];
        if (C !== Cg * group || M % group !== 0) fail(`${src}: weight [${W.dims.join(", ")}] with group ${group} does not fit ${C} input channels`);
        const declared = intsAttr(node, "kernel_shape");
        if (declared && declared.join() !== kernel.join()) fail(`${src}: kernel_shape [${declared.join(", ")}] differs from the weight's [${kernel.join(", ")}]`);
        const g = windowGeometry(node, spatial, kernel);
        const { table, outN, kN } = spatialIndex(spatial, g.out, kernel, g.strides, g.dil, g.pads);
        const inN = elementCount(spatial), Mg = M / group;
        // y[m, o] = b[m] + Σ_{c in m's group, q} W[m, c, q] · x[c, o·s − p + q·d] (ONNX Conv; zeros outside).
        result = linearMap(x as Dyn, [1, M, ...g.out], (r, add) => {
          const m = Math.floor(r / outN), o = r % outN, grp = Math.floor(m / Mg);
          for (let cc = 0; cc < Cg; cc++) {
            const ch = grp * Cg + cc;
            for (let q = 0; q < kN; q++) {
              const i = table[o * kN + q];
              if (i >= 0) add(ch * inN + i, W.data[(m * Cg + cc) * kN + q]);
            }
          }
        }, (r) => (B ? B.data[Math.floor(r / outN)] : 0));
        paramCount = params(W, B);
        break;
      }
      case "AveragePool":
      case "MaxPool": {
        const x0 = get(node, 0, "X");
        if (op === "MaxPool" && outs[1] && (uses.get(outs[1]) ?? 0) > 0) fail(`${src}: its Indices output is used, which is not supported`);
        const kernel = intsAttr(node, "kernel_shape");
        if (!kernel) fail(`${src}: no kernel_shape`);
        // The max commutes with a monotone rectifier (slopes ≥ 0, equal within each window): see below.
        const monotone = x0.kind === "pending" && !x0.done && x0.slope.every((v) => v >= 0);
        const pre = monotone ? (x0 as Pending).pre : materialize(x0, node);
        if (pre.kind !== "dyn") fail(`${src}: constant input is not supported`);
        const dims = channelDims(pre, node);
        const spatial = dims.slice(2);
        if (kernel!.length !== spatial.length) fail(`${src}: kernel_shape has ${kernel!.length} axes for ${spatial.length} spatial axes`);
        const g = windowGeometry(node, spatial, kernel!);
        const { table, outN, kN } = spatialIndex(spatial, g.out, kernel!, g.strides, g.dil, g.pads);
        const C = dims[1], inN = elementCount(spatial);
        const outDims = [1, C, ...g.out];
        if (op === "AveragePool") {
          const x = materialize(x0, node) as Dyn;
          const includePad = intAttr(node, "count_include_pad", 0) !== 0;
          // y[c, o] = (1/n) Σ_q x[c, o·s − p + q] with n = kernel size (count_include_pad) or the cells inside.
          result = linearMap(x, outDims, (r, add) => {
            const ch = Math.floor(r / outN), o = r % outN;
            let inside = 0;
            for (let q = 0; q < kN; q++) if (table[o * kN + q] >= 0) inside++;
            const w = 1 / (includePad ? kN : inside);
            for (let q = 0; q < kN; q++) {
              const i = table[o * kN + q];
              if (i >= 0) add(ch * inN + i, w);
            }
          });
          break;
        }
        // MaxPool: unit (c, o) = max of its window's values. After a monotone rectifier σ, max(σ(a), σ(b)) = σ(max(a, b)),
        // so the max is taken over the pre-activations and σ applied after: pieces tie only on hyperplanes.
        for (let o = 0; o < outN; o++) {
          for (let q = 0; q < kN; q++) if (table[o * kN + q] < 0) fail(`${src}: windows that overlap the padding are not supported (pads ${g.pads.join(", ")})`);
        }
        const usePending = monotone;
        if (usePending) {
          const s = (x0 as Pending).slope;
          for (let ch = 0; ch < C; ch++) for (let o = 0; o < outN; o++) for (let q = 1; q < kN; q++) {
            if (s[ch * inN + table[o * kN + q]] !== s[ch * inN + table[o * kN]]) fail(`${src}: the activation before it has different slopes inside one window`);
          }
        } else if (layers.length > 0 && readsZeroSlopeUnits(layers[layers.length - 1].activation, pre as Dyn, stateDim)) {
          fail(`${src}: it takes the max of ReLU outputs after another operation (e.g. ReLU → BatchNorm → MaxPool, or a ReLU output used twice); windows of zeros tie on whole regions, which Tessera does not support: put MaxPool directly after the ReLU`);
        }
        const pieceDims = [C * outN * kN];
        const pieces = linearMap(pre as Dyn, pieceDims, (r, add) => {
          const ch = Math.floor(r / (outN * kN)), rest = r % (outN * kN);
          add(ch * inN + table[rest], 1);
        });
        let slopeOut: Float64Array | undefined;
        if (usePending) {
          const s = (x0 as Pending).slope;
          slopeOut = Float64Array.from({ length: C * outN }, (_, u) => s[Math.floor(u / outN) * inN + table[(u % outN) * kN]]);
        }
        uses.set(node.inputs[0], (uses.get(node.inputs[0]) ?? 0) - 1);
        const maxed = maxLayer(pieces, kN, outDims, node);
        result = slopeOut ? { kind: "pending", dims: outDims, pre: maxed, slope: slopeOut, source: src } : maxed;
        uses.set(node.inputs[0], (uses.get(node.inputs[0]) ?? 0) + 1);
        break;
      }
      case "GlobalAveragePool": {
        const x = getData(node, 0, "X");
        if (x.kind !== "dyn") fail(`${src}: constant input is not supported`);
        const dims = channelDims(x, node);
        const inN = elementCount(dims.slice(2));
        result = linearMap(x as Dyn, [1, dims[1], ...dims.slice(2).map(() => 1)], (r, add) => {
          for (let q = 0; q < inN; q++) add(r * inN + q, 1 / inN);
        });
        break;
      }
      case "Pad": {
        const x = getData(node, 0, "data");
        const mode = stringAttr(node, "mode", "constant");
        if (mode !== "constant") fail(`${src}: mode "${mode}" is not supported (only constant zeros)`);
        let pads = intList(node, 1, "pads");
        if (!pads) fail(`${src}: no pads`);
        const value = (node.inputs[2] ?? "") !== "" ? getConst(node, 2, "constant_value").data[0] ?? 0 : floatAttr(node, "value", 0);
        if (value !== 0) fail(`${src}: padding with ${value} is not supported (only zeros)`);
        const r = x.dims.length;
        if ((node.inputs[3] ?? "") !== "") {
          const axes = Array.from(getConst(node, 3, "axes").data).map((a) => normAxis(a, r, node));
          const full = new Array(2 * r).fill(0);
          axes.forEach((a, i) => { full[a] = pads![i]; full[a + r] = pads![i + axes.length]; });
          pads = full;
        }
        if (pads!.length !== 2 * r) fail(`${src}: ${pads!.length} pads for rank ${r}`);
        const dims = x.dims.map((d, i) => d + pads![i] + pads![i + r]);
        if (dims[0] !== x.dims[0] && x.kind === "dyn") fail(`${src}: padding the batch axis is not supported`);
        const inS = stridesOf(x.dims), outS = stridesOf(dims);
        const srcOf = (f: number): number => {
          let idx = 0;
          for (let ax = 0; ax < r; ax++) {
            const ic = Math.floor(f / outS[ax]) % dims[ax] - pads![ax];
            if (ic < 0 || ic >= x.dims[ax]) return -1;
            idx += ic * inS[ax];
          }
          return idx;
        };
        if (x.kind === "const") result = { ...x, dims, data: Float64Array.from({ length: elementCount(dims) }, (_, f) => { const s = srcOf(f); return s < 0 ? 0 : x.data[s]; }) };
        else result = linearMap(x, dims, (f, add) => { const s = srcOf(f); if (s >= 0) add(s, 1); });
        break;
      }
      default:
        return fail(`unsupported operator ${op} in node "${node.name || outs[0]}" (see docs/formats.md for the operators Tessera reads)`);
    }
    if (wrapped) {
      values.set(node.inputs[0], wrapped);
      const perm = intsAttr(node, "perm") ?? wrapped.dims.map((_, i) => wrapped!.dims.length - 1 - i);
      const moveIdx = (data: Float64Array) => (op === "Transpose" ? (permute({ kind: "const", dims: wrapped!.dims, data, integer: false }, perm) as Const).data : data);
      const index = moveIdx(Float64Array.from(wrapped.slope, (_, i) => i));
      const base = wrapped.root ?? { pending: wrapped, map: Int32Array.from(index, (_, i) => i) };
      const map = wrapped.root ? Int32Array.from(index, (i) => wrapped!.root!.map[i]) : Int32Array.from(index);
      result = { kind: "pending", dims: result.dims, pre: result as Dyn, slope: moveIdx(wrapped.slope), source: wrapped.source, root: { pending: base.pending, map } };
    }
    for (const i of node.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) - 1);
    values.set(outs[0], result);
    for (const [name] of values) if ((uses.get(name) ?? 0) <= 0 && name !== outs[0] && values.get(name)!.kind !== "const") values.delete(name);
    const shown = result.dims.slice(result.kind === "const" ? 0 : 1);
    if (result.kind !== "const" && !seenAs.has(op + node.name)) {
      seenAs.add(op + node.name);
      rows.push({ op, name: node.name || outs[0], shape: shown, parameters: paramCount });
    }
  }

  const out = values.get(outputName);
  if (!out || out.kind === "const") fail(`the output "${outputName}" is ${out ? "a constant" : "never computed"}`);
  const final = out!.kind === "pending" ? (out!.done ?? (closeLayer([out as Pending], `output "${outputName}"`), (out as Pending).done!)) : (out as Dyn);
  if (final.dims.length > 1 && final.dims[0] !== 1) fail(`the output "${outputName}" has shape [${final.dims.join(", ")}], expected batch 1`);
  layers.push({ W: final.A, b: final.c, inDim: stateDim, outDim: final.c.length, activation: { kind: "identity" } });
  const denseLayers: DenseLayer[] = layers.map((l) => ({ inDim: l.inDim, outDim: l.outDim, weights: l.W, bias: l.b, activation: l.activation }));
  const network: Network = { inputDim: denseLayers[0].inDim, layers: denseLayers };
  try {
    validateNetwork(network);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const provenance: OnnxProvenance = { producer: model.producerName, producerVersion: model.producerVersion, irVersion: model.irVersion, opsets: model.opsetImports, rows };
  return { network, provenance };
}

/**
 * True when some row of v copies a ReLU output of the last layer (slope 0) unchanged: max pieces that are such
 * copies are all 0 together on whole regions, where no argmax names a region.
 */
function readsZeroSlopeUnits(a: Activation, v: Dyn, stateDim: number): boolean {
  const zeroSlope = (j: number) => a.kind === "relu" || (a.kind === "per-unit" && !a.passThrough[j] && a.slope[j] === 0);
  for (let r = 0; r < v.c.length; r++) {
    let nz = 0, at = -1;
    for (let j = 0; j < stateDim; j++) {
      if (v.A[r * stateDim + j] !== 0) {
        nz++;
        at = j;
      }
    }
    if (nz === 1 && zeroSlope(at)) return true;
  }
  return false;
}

/** A = M · VA, c = M · Vc for M in compressed rows (rowStart, cols, ws); VA row-major with `width` columns. */
function applySparse(rowStart: Int32Array, cols: Int32Array, ws: Float64Array, VA: Float64Array, Vc: Float64Array, width: number, A: Float64Array, c: Float64Array): void {
  const rows = rowStart.length - 1;
  // Rows of VA are often sparse (selections of the layer's units, pooled windows): skip their zeros.
  let nnz = 0;
  for (let i = 0; i < VA.length; i++) if (VA[i] !== 0) nnz++;
  if (nnz * SPARSE_RATIO < VA.length) {
    const vr = Vc.length, start = new Int32Array(vr + 1), col = new Int32Array(nnz), val = new Float64Array(nnz);
    for (let k = 0, at = 0; k < vr; k++) {
      for (let j = 0; j < width; j++) {
        const x = VA[k * width + j];
        if (x !== 0) {
          col[at] = j;
          val[at++] = x;
        }
      }
      start[k + 1] = at;
    }
    for (let r = 0; r < rows; r++) {
      const base = r * width;
      let cr = 0;
      for (let t = rowStart[r]; t < rowStart[r + 1]; t++) {
        const k = cols[t], w = ws[t];
        cr += w * Vc[k];
        for (let q = start[k]; q < start[k + 1]; q++) A[base + col[q]] += w * val[q];
      }
      c[r] = cr;
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let cr = 0;
    for (let t = rowStart[r]; t < rowStart[r + 1]; t++) {
      const k = cols[t], w = ws[t];
      cr += w * Vc[k];
      const kb = k * width;
      for (let j = 0; j < width; j++) A[base + j] += w * VA[kb + j];
    }
    c[r] = cr;
  }
}
