/**
 * A decoder for the subset of the ONNX protobuf schema (onnx/onnx.proto, IR version ≤ 10) that a feed-forward
 * network needs: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto.
 * Field numbers are those of the official schema. Core-safe: bytes in, plain objects out.
 */
import { PbfReader } from "pbf";

/** TensorProto.DataType values used here (onnx.proto `TensorProto.DataType`). */
export const OnnxDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType values (onnx.proto). */
export const OnnxAttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/** Name of a TensorProto data type, e.g. `FLOAT`, `INT64`. */
export function dataTypeName(code: number): string {
  for (const [name, value] of Object.entries(OnnxDataType)) if (value === code) return name;
  return `type ${code}`;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  floatData: number[];
  doubleData: number[];
  int32Data: number[];
  int64Data: number[];
  rawData?: Uint8Array;
  /** TensorProto.data_location: 1 = EXTERNAL (data lives in another file). */
  dataLocation: number;
  /** TensorProto.external_data key/value pairs (`location`, `offset`, `length`, `checksum`) when EXTERNAL. */
  externalData: { key: string; value: string }[];
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A graph input or output: its name and, when declared, element type and shape (a string for symbolic dims). */
export interface OnnxValueInfo {
  name: string;
  elemType?: number;
  shape?: (number | string | undefined)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  /** Count of sparse initializers (not supported, but reported). */
  sparseInitializers: number;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImports: { domain: string; version: number }[];
  graph?: OnnxGraph;
}

/** Protobuf wire types. */
const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

/** Raised for bytes that are not a well-formed protobuf of the expected shape. */
export class ProtobufFormatError extends Error {
  override name = "ProtobufFormatError";
}

function expectWire(pbf: PbfReader, wire: number, field: string): void {
  if (pbf.type !== wire) throw new ProtobufFormatError(`field ${field} has wire type ${pbf.type}, expected ${wire}`);
}

/** Read a length-delimited embedded message, refusing lengths that run past the end of the buffer. */
function readEmbedded<T>(pbf: PbfReader, read: (tag: number, obj: T, pbf: PbfReader) => void, obj: T, field: string): T {
  expectWire(pbf, BYTES, field);
  const end = pbf.readVarint() + pbf.pos;
  if (end > pbf.buf.length) throw new ProtobufFormatError(`${field} runs past the end of the data`);
  pbf.readFields(read, obj, end);
  if (pbf.pos !== end) throw new ProtobufFormatError(`${field} is malformed`);
  return obj;
}

function checkedLength(pbf: PbfReader, field: string): void {
  // Peek the length prefix of a bytes/string field without consuming it.
  const start = pbf.pos;
  const len = pbf.readVarint();
  const end = pbf.pos + len;
  pbf.pos = start;
  if (end > pbf.buf.length) throw new ProtobufFormatError(`${field} runs past the end of the data`);
}

function readString(pbf: PbfReader, field: string): string {
  expectWire(pbf, BYTES, field);
  checkedLength(pbf, field);
  return pbf.readString();
}

function readBytes(pbf: PbfReader, field: string): Uint8Array {
  expectWire(pbf, BYTES, field);
  checkedLength(pbf, field);
  return pbf.readBytes();
}

/** A repeated int64 field, packed or not (proto3 writes packed; older writers do not). */
function readInt64s(pbf: PbfReader, into: number[], field: string): void {
  if (pbf.type === BYTES) {
    checkedLength(pbf, field);
    pbf.readPackedVarint(into, true);
  } else {
    expectWire(pbf, VARINT, field);
    into.push(pbf.readVarint(true));
  }
}

function readFloats(pbf: PbfReader, into: number[], field: string): void {
  if (pbf.type === BYTES) {
    checkedLength(pbf, field);
    pbf.readPackedFloat(into);
  } else {
    expectWire(pbf, FIXED32, field);
    into.push(pbf.readFloat());
  }
}

function readDoubles(pbf: PbfReader, into: number[], field: string): void {
  if (pbf.type === BYTES) {
    checkedLength(pbf, field);
    pbf.readPackedDouble(into);
  } else {
    expectWire(pbf, FIXED64, field);
    into.push(pbf.readDouble());
  }
}

function readVarintField(pbf: PbfReader, field: string): number {
  expectWire(pbf, VARINT, field);
  return pbf.readVarint(true);
}

function newTensor(): OnnxTensor {
  return { name: "", dims: [], dataType: 0, floatData: [], doubleData: [], int32Data: [], int64Data: [], dataLocation: 0, externalData: [] };
}

// StringStringEntryProto: key = 1, value = 2.
function readEntry(tag: number, e: { key: string; value: string }, pbf: PbfReader): void {
  if (tag === 1) e.key = readString(pbf, "StringStringEntryProto.key");
  else if (tag === 2) e.value = readString(pbf, "StringStringEntryProto.value");
}

function readTensor(tag: number, t: OnnxTensor, pbf: PbfReader): void {
  switch (tag) {
    case 1: return readInt64s(pbf, t.dims, "TensorProto.dims");
    case 2: t.dataType = readVarintField(pbf, "TensorProto.data_type"); return;
    case 4: return readFloats(pbf, t.floatData, "TensorProto.float_data");
    case 5: return readInt64s(pbf, t.int32Data, "TensorProto.int32_data");
    case 7: return readInt64s(pbf, t.int64Data, "TensorProto.int64_data");
    case 8: t.name = readString(pbf, "TensorProto.name"); return;
    case 9: t.rawData = readBytes(pbf, "TensorProto.raw_data"); return;
    case 10: return readDoubles(pbf, t.doubleData, "TensorProto.double_data");
    case 13: t.externalData.push(readEmbedded(pbf, readEntry, { key: "", value: "" }, "TensorProto.external_data")); return;
    case 14: t.dataLocation = readVarintField(pbf, "TensorProto.data_location"); return;
  }
}

function readAttribute(tag: number, a: OnnxAttribute, pbf: PbfReader): void {
  switch (tag) {
    case 1: a.name = readString(pbf, "AttributeProto.name"); return;
    case 2: expectWire(pbf, FIXED32, "AttributeProto.f"); a.f = pbf.readFloat(); return;
    case 3: a.i = readVarintField(pbf, "AttributeProto.i"); return;
    case 4: a.s = readBytes(pbf, "AttributeProto.s"); return;
    case 5: a.t = readEmbedded(pbf, readTensor, newTensor(), "AttributeProto.t"); return;
    case 7: return readFloats(pbf, a.floats, "AttributeProto.floats");
    case 8: return readInt64s(pbf, a.ints, "AttributeProto.ints");
    case 20: a.type = readVarintField(pbf, "AttributeProto.type"); return;
  }
}

function readNode(tag: number, n: OnnxNode, pbf: PbfReader): void {
  switch (tag) {
    case 1: n.inputs.push(readString(pbf, "NodeProto.input")); return;
    case 2: n.outputs.push(readString(pbf, "NodeProto.output")); return;
    case 3: n.name = readString(pbf, "NodeProto.name"); return;
    case 4: n.opType = readString(pbf, "NodeProto.op_type"); return;
    case 5:
      n.attributes.push(readEmbedded(pbf, readAttribute, { name: "", type: 0, floats: [], ints: [] }, "NodeProto.attribute"));
      return;
    case 7: n.domain = readString(pbf, "NodeProto.domain"); return;
  }
}

// TensorShapeProto.Dimension: dim_value = 1, dim_param = 2.
function readDimension(tag: number, d: { value?: number | string }, pbf: PbfReader): void {
  if (tag === 1) d.value = readVarintField(pbf, "Dimension.dim_value");
  else if (tag === 2) d.value = readString(pbf, "Dimension.dim_param");
}

// TensorShapeProto: dim = 1.
function readShape(tag: number, s: (number | string | undefined)[], pbf: PbfReader): void {
  if (tag === 1) s.push(readEmbedded(pbf, readDimension, {} as { value?: number | string }, "TensorShapeProto.dim").value);
}

// TypeProto.Tensor: elem_type = 1, shape = 2.
function readTensorType(tag: number, v: OnnxValueInfo, pbf: PbfReader): void {
  if (tag === 1) v.elemType = readVarintField(pbf, "TypeProto.Tensor.elem_type");
  else if (tag === 2) v.shape = readEmbedded(pbf, readShape, [], "TypeProto.Tensor.shape");
}

// TypeProto: tensor_type = 1.
function readType(tag: number, v: OnnxValueInfo, pbf: PbfReader): void {
  if (tag === 1) readEmbedded(pbf, readTensorType, v, "TypeProto.tensor_type");
}

// ValueInfoProto: name = 1, type = 2.
function readValueInfo(tag: number, v: OnnxValueInfo, pbf: PbfReader): void {
  if (tag === 1) v.name = readString(pbf, "ValueInfoProto.name");
  else if (tag === 2) readEmbedded(pbf, readType, v, "ValueInfoProto.type");
}

function readGraph(tag: number, g: OnnxGraph, pbf: PbfReader): void {
  switch (tag) {
    case 1:
      g.nodes.push(readEmbedded(pbf, readNode, { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: [] }, "GraphProto.node"));
      return;
    case 2: g.name = readString(pbf, "GraphProto.name"); return;
    case 5: g.initializers.push(readEmbedded(pbf, readTensor, newTensor(), "GraphProto.initializer")); return;
    case 11: g.inputs.push(readEmbedded(pbf, readValueInfo, { name: "" }, "GraphProto.input")); return;
    case 12: g.outputs.push(readEmbedded(pbf, readValueInfo, { name: "" }, "GraphProto.output")); return;
    case 15:
      expectWire(pbf, BYTES, "GraphProto.sparse_initializer");
      g.sparseInitializers++;
      return; // left to readFields' skip
  }
}

// OperatorSetIdProto: domain = 1, version = 2.
function readOpset(tag: number, o: { domain: string; version: number }, pbf: PbfReader): void {
  if (tag === 1) o.domain = readString(pbf, "OperatorSetIdProto.domain");
  else if (tag === 2) o.version = readVarintField(pbf, "OperatorSetIdProto.version");
}

function readModel(tag: number, m: OnnxModel, pbf: PbfReader): void {
  switch (tag) {
    case 1: m.irVersion = readVarintField(pbf, "ModelProto.ir_version"); return;
    case 2: m.producerName = readString(pbf, "ModelProto.producer_name"); return;
    case 3: m.producerVersion = readString(pbf, "ModelProto.producer_version"); return;
    case 7:
      m.graph = readEmbedded(pbf, readGraph, { name: "", nodes: [], initializers: [], sparseInitializers: 0, inputs: [], outputs: [] }, "ModelProto.graph");
      return;
    case 8: m.opsetImports.push(readEmbedded(pbf, readOpset, { domain: "", version: 0 }, "ModelProto.opset_import")); return;
  }
}

/**
 * Decode an ONNX ModelProto. Throws {@link ProtobufFormatError} (or pbf's own Error) for bytes that are not a
 * well-formed protobuf: truncated fields, lengths past the end, wrong wire types.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const pbf = new PbfReader(bytes);
  const model: OnnxModel = { irVersion: 0, producerName: "", producerVersion: "", opsetImports: [] };
  pbf.readFields(readModel, model);
  if (pbf.pos !== bytes.length) throw new ProtobufFormatError("the data ends in the middle of a field");
  return model;
}

/** IEEE 754 half precision → double. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Number of elements of a tensor with these dims (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * The values of a FLOAT, DOUBLE or FLOAT16 tensor as float64, from `raw_data` (little-endian, read through a
 * DataView since raw_data may start at any byte offset) or from float_data / double_data / int32_data (FLOAT16).
 * Throws {@link ProtobufFormatError} with a short reason for other types or a wrong element count.
 */
export function tensorToFloat64(t: OnnxTensor): Float64Array {
  if (t.dataLocation === 1) throw new ProtobufFormatError("its data is stored in an external file, which is not supported");
  const n = elementCount(t.dims);
  const width = t.dataType === OnnxDataType.FLOAT ? 4 : t.dataType === OnnxDataType.DOUBLE ? 8 : t.dataType === OnnxDataType.FLOAT16 ? 2 : 0;
  if (width === 0) throw new ProtobufFormatError(`it has type ${dataTypeName(t.dataType)}, weights must be FLOAT, DOUBLE or FLOAT16`);
  if (t.rawData) {
    const raw = t.rawData;
    if (raw.length !== n * width) {
      throw new ProtobufFormatError(`raw_data has ${raw.length} bytes, shape [${t.dims.join(", ")}] needs ${n * width}`);
    }
    const out = new Float64Array(n);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) {
      out[i] = width === 4 ? view.getFloat32(i * 4, true) : width === 8 ? view.getFloat64(i * 8, true) : halfToNumber(view.getUint16(i * 2, true));
    }
    return out;
  }
  // FLOAT16 without raw_data is stored as the bit patterns in int32_data (onnx.proto).
  const source = width === 4 ? t.floatData : width === 8 ? t.doubleData : t.int32Data;
  if (source.length !== n) {
    throw new ProtobufFormatError(`it holds ${source.length} values, shape [${t.dims.join(", ")}] needs ${n}`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = width === 2 ? halfToNumber(source[i]) : source[i];
  return out;
}

/**
 * The values of an integer tensor (INT64, INT32, INT8, UINT8, BOOL) as numbers, from `raw_data` or the typed
 * fields: shape operands (Reshape's shape, Squeeze's axes, Pad's pads). Throws {@link ProtobufFormatError}.
 */
export function tensorToIntegers(t: OnnxTensor): number[] {
  if (t.dataLocation === 1) throw new ProtobufFormatError("its data is stored in an external file that was not read");
  const n = elementCount(t.dims);
  const width = t.dataType === OnnxDataType.INT64 ? 8 : t.dataType === OnnxDataType.INT32 ? 4
    : t.dataType === OnnxDataType.INT8 || t.dataType === OnnxDataType.UINT8 || t.dataType === OnnxDataType.BOOL ? 1 : 0;
  if (width === 0) throw new ProtobufFormatError(`it has type ${dataTypeName(t.dataType)}, expected an integer tensor`);
  if (t.rawData) {
    if (t.rawData.length !== n * width) throw new ProtobufFormatError(`raw_data has ${t.rawData.length} bytes, shape [${t.dims.join(", ")}] needs ${n * width}`);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      out.push(width === 8 ? Number(view.getBigInt64(i * 8, true)) : width === 4 ? view.getInt32(i * 4, true)
        : t.dataType === OnnxDataType.INT8 ? view.getInt8(i) : view.getUint8(i));
    }
    return out;
  }
  const source = width === 8 ? t.int64Data : t.int32Data;
  if (source.length !== n) throw new ProtobufFormatError(`it holds ${source.length} values, shape [${t.dims.join(", ")}] needs ${n}`);
  return source.slice();
}
