/**
 * A small ONNX protobuf writer for tests: builds ModelProto bytes from plain specs, with the field numbers of
 * onnx.proto, so tests can make well-formed and malformed models without Python.
 */
import { PbfWriter } from "pbf";

export const FLOAT = 1;
export const INT64 = 7;
export const FLOAT16 = 10;
export const DOUBLE = 11;

export interface TensorSpec {
  name: string;
  dims: number[];
  values: number[];
  /** Default FLOAT. */
  dataType?: number;
  /** Store in raw_data (default) or in float_data / double_data / int64_data. */
  raw?: boolean;
  /** Store as EXTERNAL data (data_location = 1) with these external_data entries; `values` are not written. */
  external?: { location: string; offset?: number; length?: number };
}

/** The bytes raw_data would hold for a tensor (little-endian), e.g. to write an external data file. */
export function tensorBytes(t: TensorSpec): Uint8Array {
  const type = t.dataType ?? FLOAT;
  const width = type === DOUBLE || type === INT64 ? 8 : type === FLOAT16 ? 2 : 4;
  const bytes = new Uint8Array(t.values.length * width);
  const view = new DataView(bytes.buffer);
  t.values.forEach((v, i) => {
    if (type === DOUBLE) view.setFloat64(i * 8, v, true);
    else if (type === INT64) view.setBigInt64(i * 8, BigInt(v), true);
    else if (type === FLOAT16) view.setUint16(i * 2, toHalfBits(v), true);
    else view.setFloat32(i * 4, v, true);
  });
  return bytes;
}

function writeEntry([key, value]: [string, string], pbf: PbfWriter): void {
  pbf.writeStringField(1, key);
  pbf.writeStringField(2, value);
}

/** Attribute values: `{ f }` float, `{ i }` int, `{ t }` tensor, `{ floats }`, `{ ints }`, `{ s }` string. */
export type AttrSpec = { f: number } | { i: number } | { t: TensorSpec } | { floats: number[] } | { ints: number[] } | { s: string };

export interface NodeSpec {
  op: string;
  name?: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrSpec>;
  domain?: string;
}

export interface ValueSpec {
  name: string;
  /** Numbers or symbolic names; default ["batch", ?] omitted = no shape. */
  dims?: (number | string)[];
  elemType?: number;
}

export interface GraphSpec {
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

/** IEEE half-precision bits of a number (round to nearest, normal range only; enough for tests). */
export function toHalfBits(v: number): number {
  const f32 = new Float32Array([v]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  if (v === 0) return sign;
  const mant = bits & 0x7fffff;
  return sign | (exp << 10) | Math.round(mant / 8192);
}

function writeTensor(t: TensorSpec, pbf: PbfWriter): void {
  const type = t.dataType ?? FLOAT;
  for (const d of t.dims) pbf.writeVarintField(1, d);
  pbf.writeVarintField(2, type);
  pbf.writeStringField(8, t.name);
  if (t.external) {
    const entries: [string, string][] = [["location", t.external.location]];
    if (t.external.offset !== undefined) entries.push(["offset", String(t.external.offset)]);
    if (t.external.length !== undefined) entries.push(["length", String(t.external.length)]);
    for (const e of entries) pbf.writeMessage(13, writeEntry, e);
    pbf.writeVarintField(14, 1);
  } else if (t.raw ?? true) {
    const width = type === DOUBLE || type === INT64 ? 8 : type === FLOAT16 ? 2 : 4;
    const bytes = new Uint8Array(t.values.length * width);
    const view = new DataView(bytes.buffer);
    t.values.forEach((v, i) => {
      if (type === DOUBLE) view.setFloat64(i * 8, v, true);
      else if (type === INT64) view.setBigInt64(i * 8, BigInt(v), true);
      else if (type === FLOAT16) view.setUint16(i * 2, toHalfBits(v), true);
      else view.setFloat32(i * 4, v, true);
    });
    pbf.writeBytesField(9, bytes);
  } else if (type === DOUBLE) pbf.writePackedDouble(10, t.values);
  else if (type === INT64) pbf.writePackedVarint(7, t.values);
  else pbf.writePackedFloat(4, t.values);
}

function writeAttr([name, a]: [string, AttrSpec], pbf: PbfWriter): void {
  pbf.writeStringField(1, name);
  if ("f" in a) {
    pbf.writeFloatField(2, a.f);
    pbf.writeVarintField(20, 1);
  } else if ("i" in a) {
    pbf.writeVarintField(3, a.i);
    pbf.writeVarintField(20, 2);
  } else if ("t" in a) {
    pbf.writeMessage(5, writeTensor, a.t);
    pbf.writeVarintField(20, 4);
  } else if ("ints" in a) {
    pbf.writePackedVarint(8, a.ints);
    pbf.writeVarintField(20, 7);
  } else if ("s" in a) {
    pbf.writeBytesField(4, new TextEncoder().encode(a.s));
    pbf.writeVarintField(20, 3);
  } else {
    pbf.writePackedFloat(7, a.floats);
    pbf.writeVarintField(20, 6);
  }
}

function writeNode(n: NodeSpec, pbf: PbfWriter): void {
  for (const i of n.inputs) pbf.writeStringField(1, i);
  for (const o of n.outputs) pbf.writeStringField(2, o);
  pbf.writeStringField(3, n.name ?? `/${n.op}_${n.outputs[0]}`);
  pbf.writeStringField(4, n.op);
  for (const a of Object.entries(n.attrs ?? {})) pbf.writeMessage(5, writeAttr, a);
  if (n.domain) pbf.writeStringField(7, n.domain);
}

function writeDim(d: number | string, pbf: PbfWriter): void {
  if (typeof d === "number") pbf.writeVarintField(1, d);
  else pbf.writeStringField(2, d);
}
function writeShape(dims: (number | string)[], pbf: PbfWriter): void {
  for (const d of dims) pbf.writeMessage(1, writeDim, d);
}
function writeTensorType(v: ValueSpec, pbf: PbfWriter): void {
  pbf.writeVarintField(1, v.elemType ?? FLOAT);
  if (v.dims) pbf.writeMessage(2, writeShape, v.dims);
}
function writeType(v: ValueSpec, pbf: PbfWriter): void {
  pbf.writeMessage(1, writeTensorType, v);
}
function writeValueInfo(v: ValueSpec, pbf: PbfWriter): void {
  pbf.writeStringField(1, v.name);
  pbf.writeMessage(2, writeType, v);
}

function writeGraph(g: GraphSpec, pbf: PbfWriter): void {
  for (const n of g.nodes) pbf.writeMessage(1, writeNode, n);
  pbf.writeStringField(2, "test-graph");
  for (const t of g.initializers) pbf.writeMessage(5, writeTensor, t);
  for (const v of g.inputs) pbf.writeMessage(11, writeValueInfo, v);
  for (const v of g.outputs) pbf.writeMessage(12, writeValueInfo, v);
}

function writeOpset(_: unknown, pbf: PbfWriter): void {
  pbf.writeStringField(1, "");
  pbf.writeVarintField(2, 13);
}

/** Encode a ModelProto (ir_version 7, opset 13) around the graph. */
export function writeOnnx(graph: GraphSpec): Uint8Array {
  const pbf = new PbfWriter();
  pbf.writeVarintField(1, 7);
  pbf.writeStringField(2, "tessera-tests");
  pbf.writeMessage(7, writeGraph, graph);
  pbf.writeMessage(8, writeOpset, null);
  return pbf.finish();
}

/** A dense layer for {@link sequentialGraph}: W is [out][in] (PyTorch layout). */
export interface LayerSpec {
  W: number[][];
  b: number[];
  /** Activation after the layer; none for the output layer. */
  act?: "relu" | { leaky: number } | "leaky-default";
}

/** PyTorch-style graph: Gemm(transB = 1) per layer, Relu / LeakyRelu between, input "x", output "y". */
export function sequentialGraph(layers: LayerSpec[]): GraphSpec {
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  let current = "x";
  layers.forEach((layer, l) => {
    const last = l === layers.length - 1 && !layer.act;
    const out = last ? "y" : `/${l}/Gemm_output_0`;
    initializers.push({ name: `${l}.weight`, dims: [layer.W.length, layer.W[0].length], values: layer.W.flat() });
    initializers.push({ name: `${l}.bias`, dims: [layer.b.length], values: layer.b });
    nodes.push({ op: "Gemm", name: `/${l}/Gemm`, inputs: [current, `${l}.weight`, `${l}.bias`], outputs: [out], attrs: { alpha: { f: 1 }, beta: { f: 1 }, transB: { i: 1 } } });
    current = out;
    if (layer.act) {
      const actOut = l === layers.length - 1 ? "y" : `/${l}/act_output_0`;
      if (layer.act === "relu") nodes.push({ op: "Relu", name: `/${l}/Relu`, inputs: [current], outputs: [actOut] });
      else if (layer.act === "leaky-default") nodes.push({ op: "LeakyRelu", name: `/${l}/LeakyRelu`, inputs: [current], outputs: [actOut] });
      else nodes.push({ op: "LeakyRelu", name: `/${l}/LeakyRelu`, inputs: [current], outputs: [actOut], attrs: { alpha: { f: layer.act.leaky } } });
      current = actOut;
    }
  });
  const inDim = layers[0].W[0].length;
  const outDim = layers[layers.length - 1].W.length;
  return { nodes, initializers, inputs: [{ name: "x", dims: ["batch", inDim] }], outputs: [{ name: "y", dims: ["batch", outDim] }] };
}
