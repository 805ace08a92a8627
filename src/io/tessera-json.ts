/**
 * Tessera JSON: a plain, documented model format (docs/formats.md) that covers every activation Tessera knows,
 * maxout included, and can carry the input domain. Validated with zod/mini; core-safe.
 *
 * ```json
 * { "format": "tessera", "version": 1, "inputDim": 2,
 *   "layers": [ { "weights": [[1, 0], [0, 1]], "bias": [0, 0], "activation": { "kind": "relu" } },
 *               { "weights": [1, 1], "shape": [1, 2], "bias": [0], "activation": { "kind": "identity" } } ],
 *   "domain": { "lo": -1, "hi": 1 } }
 * ```
 */
import * as z from "zod/mini";
import type { Activation, Box, Network } from "../model/network.ts";
import { ModelError, validateNetwork } from "../model/validate.ts";
import { describeSchemaIssue } from "./schema-issue.ts";
import { checkJsonDepth } from "./json-depth.ts";

const activationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("relu") }),
  z.object({ kind: z.literal("leaky-relu"), alpha: z.number() }),
  z.object({ kind: z.literal("maxout"), rank: z.int() }),
  z.object({ kind: z.literal("identity") }),
  // One rectifier slope per unit (0 = ReLU); passThrough[i] = 1 makes unit i the identity (a residual skip path).
  z.object({ kind: z.literal("per-unit"), slope: z.array(z.number()), passThrough: z.array(z.union([z.literal(0), z.literal(1)])) }),
]);

const layerSchema = z.object({
  /** Row-major `[outDim][inDim]` rows, or a flat row-major array with `shape`. */
  weights: z.union([z.array(z.array(z.number())), z.array(z.number())]),
  shape: z.optional(z.tuple([z.int(), z.int()])),
  bias: z.array(z.number()),
  activation: activationSchema,
});

const boundSchema = z.union([z.number(), z.array(z.number())]);

/** The zod/mini schema of a Tessera JSON document (version 1). */
export const tesseraJsonSchema = z.object({
  format: z.literal("tessera"),
  version: z.literal(1),
  inputDim: z.int().check(z.positive()),
  name: z.optional(z.string()),
  description: z.optional(z.string()),
  layers: z.array(layerSchema),
  domain: z.optional(z.object({ lo: boundSchema, hi: boundSchema })),
  /** Free-form provenance: training set, seed, architecture, train/test loss and error, … */
  metadata: z.optional(z.record(z.string(), z.unknown())),
});

/** A Tessera JSON document as written by {@link toTesseraJson}. */
export type TesseraJsonDocument = z.infer<typeof tesseraJsonSchema>;

/** A network read from Tessera JSON, with its input domain when the file gives one. */
export interface TesseraJsonModel {
  network: Network;
  domain?: Box;
  /** The document's `metadata` object (provenance, training results), when present. */
  metadata?: Record<string, unknown>;
}

/** What may be stored beside the weights: the input domain and free-form metadata (JSON values only). */
export interface TesseraJsonExtras {
  domain?: Box;
  metadata?: Record<string, unknown>;
}

/**
 * Parse and validate a Tessera JSON document (already `JSON.parse`d). `label` (the file path) prefixes every
 * error message. Throws {@link ModelError}.
 */
export function parseTesseraJson(json: unknown, label: string): TesseraJsonModel {
  const fail = (message: string): never => {
    throw new ModelError(`${label}: ${message}`);
  };
  checkJsonDepth(json, fail);
  const parsed = tesseraJsonSchema.safeParse(json);
  if (!parsed.success) return fail(`not a valid Tessera JSON model: ${describeSchemaIssue(parsed.error)}`);
  const doc = parsed.data;
  const layers = doc.layers.map((layer, l) => {
    const where = `layers[${l}]`;
    let outDim: number, inDim: number;
    const weights = layer.weights;
    let flat: Float64Array;
    if (weights.length > 0 && Array.isArray(weights[0])) {
      const rows = weights as number[][];
      outDim = rows.length;
      inDim = rows[0].length;
      flat = new Float64Array(outDim * inDim);
      rows.forEach((row, r) => {
        if (row.length !== inDim) fail(`${where}.weights: row ${r} has ${row.length} entries, row 0 has ${inDim}`);
        flat.set(row, r * inDim);
      });
      if (layer.shape && (layer.shape[0] !== outDim || layer.shape[1] !== inDim)) {
        fail(`${where}: shape [${layer.shape.join(", ")}] does not match the ${outDim}×${inDim} weight rows`);
      }
    } else {
      if (!layer.shape) return fail(`${where}: flat weights need "shape": [outDim, inDim]`);
      [outDim, inDim] = layer.shape;
      if (weights.length !== outDim * inDim) fail(`${where}.weights: ${weights.length} numbers, shape [${outDim}, ${inDim}] needs ${outDim * inDim}`);
      flat = Float64Array.from(weights as number[]);
    }
    const a = layer.activation;
    const activation: Activation = a.kind === "per-unit" ? { kind: "per-unit", slope: Float64Array.from(a.slope), passThrough: Uint8Array.from(a.passThrough) } : a;
    return { inDim, outDim, weights: flat, bias: Float64Array.from(layer.bias), activation };
  });
  const network: Network = { inputDim: doc.inputDim, layers };
  try {
    validateNetwork(network);
  } catch (err) {
    if (err instanceof ModelError) fail(err.message);
    throw err;
  }
  const metadata = doc.metadata ? { metadata: doc.metadata } : {};
  if (!doc.domain) return { network, ...metadata };
  const expand = (v: number | number[], side: string) => {
    if (typeof v === "number") return new Float64Array(doc.inputDim).fill(v);
    if (v.length !== doc.inputDim) fail(`domain.${side} has ${v.length} entries, inputDim is ${doc.inputDim}`);
    return Float64Array.from(v);
  };
  const domain: Box = { lo: expand(doc.domain.lo, "lo"), hi: expand(doc.domain.hi, "hi") };
  for (let i = 0; i < doc.inputDim; i++) {
    if (!(domain.lo[i] <= domain.hi[i])) fail(`domain: lo[${i}] = ${domain.lo[i]} exceeds hi[${i}] = ${domain.hi[i]}`);
  }
  return { network, domain, ...metadata };
}

/** Scalar if every coordinate has the same bound, else the array. */
function compactBound(v: Float64Array): number | number[] {
  return v.every((x) => x === v[0]) ? v[0] : Array.from(v);
}

/** The Tessera JSON document of a network (weights as rows), with the domain and metadata when given. */
export function toTesseraJson(net: Network, domain?: Box, metadata?: Record<string, unknown>): TesseraJsonDocument {
  validateNetwork(net);
  const doc: TesseraJsonDocument = {
    format: "tessera",
    version: 1,
    inputDim: net.inputDim,
    layers: net.layers.map((layer) => {
      const rows: number[][] = [];
      for (let r = 0; r < layer.outDim; r++) rows.push(Array.from(layer.weights.subarray(r * layer.inDim, (r + 1) * layer.inDim)));
      const a = layer.activation;
      const activation = a.kind === "per-unit" ? { kind: a.kind, slope: Array.from(a.slope), passThrough: Array.from(a.passThrough) as (0 | 1)[] } : { ...a };
      return { weights: rows, bias: Array.from(layer.bias), activation };
    }),
  };
  if (domain) doc.domain = { lo: compactBound(domain.lo), hi: compactBound(domain.hi) };
  if (metadata) doc.metadata = metadata;
  return doc;
}

/**
 * Tessera JSON text: one weight row per line, so files stay readable and diffable. Numbers are written with
 * JavaScript's shortest round-trip formatting, so parsing the text gives back the same float64 values.
 */
export function stringifyTesseraJson(net: Network, domain?: Box, metadata?: Record<string, unknown>): string {
  const doc = toTesseraJson(net, domain, metadata);
  const head = `{\n  "format": "tessera",\n  "version": ${doc.version},\n  "inputDim": ${doc.inputDim}`;
  const layers = doc.layers.map((layer) => {
    const rows = (layer.weights as number[][]).map((row) => `        ${JSON.stringify(row)}`).join(",\n");
    return `    {\n      "activation": ${JSON.stringify(layer.activation)},\n      "bias": ${JSON.stringify(layer.bias)},\n      "weights": [\n${rows}\n      ]\n    }`;
  });
  const domainLine = doc.domain ? `,\n  "domain": ${JSON.stringify(doc.domain)}` : "";
  const metadataLine = doc.metadata ? `,\n  "metadata": ${JSON.stringify(doc.metadata)}` : "";
  return `${head},\n  "layers": [\n${layers.join(",\n")}\n  ]${domainLine}${metadataLine}\n}\n`;
}
