/**
 * What a file is, from its name and bytes: one vocabulary and one set of rules for `tessera` commands
 * (`loadModel` in `tessera/node`) and the browser explorer's dropped files. Isomorphic (no Node APIs).
 *
 * - a name ending in `.csv` or `.txt` is a table of points (`x,y,label` lines);
 * - a model whose content starts with `{` (after white space and a byte-order mark; an ONNX protobuf never does), or
 *   whose name ends in `.json`, is JSON: a TF.js LayersModel when it has `modelTopology`, Tessera JSON when its
 *   `format` is `"tessera"` (so a model served under its original name, `net.onnx`, as Tessera JSON reads as such);
 * - any other model is ONNX (binary protobuf): certainly when its name ends in `.onnx`, otherwise as a guess that the
 *   ONNX parser confirms or refutes.
 */
import { ModelError } from "../model/validate.ts";

/** The model formats Tessera reads. */
export type ModelFormat = "onnx" | "tfjs" | "tessera-json";

/** Names of the model formats for people. */
export const MODEL_FORMAT_NAMES: Readonly<Record<ModelFormat, string>> = { onnx: "ONNX", tfjs: "TF.js LayersModel", "tessera-json": "Tessera JSON" };

/** A model file's format as sniffed; JSON formats come with the parsed object. */
export type SniffedModel =
  | { format: "onnx"; /** false when only the content (not JSON) suggests ONNX */ byName: boolean }
  | { format: "tfjs" | "tessera-json"; json: Record<string, unknown> };

/** Is this file a table of points (by its name) rather than a model? */
export function isTableName(name: string): boolean {
  return /\.(csv|txt)$/i.test(name);
}

/** Does the name say model (`.onnx`, `.json`)? */
export function isModelName(name: string): boolean {
  return /\.(onnx|json)$/i.test(name);
}

/** Does the content start with "{" after white space and a UTF-8 byte-order mark? ONNX files never do. */
export function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b; // "{"
  }
  return false;
}

/** The format of a parsed JSON model, or undefined when it is neither. */
export function jsonModelFormat(json: unknown): "tfjs" | "tessera-json" | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  if ("modelTopology" in json) return "tfjs";
  if ((json as { format?: unknown }).format === "tessera") return "tessera-json";
  return undefined;
}

/**
 * The format of a model file from its name and bytes (`label` names it in errors; default the name). JSON is parsed
 * here. Throws a one-line {@link ModelError} for JSON that does not parse or is no model Tessera reads.
 */
export function sniffModel(name: string, bytes: Uint8Array, label = name): SniffedModel {
  if (!looksLikeJson(bytes) && !/\.json$/i.test(name)) return { format: "onnx", byName: /\.onnx$/i.test(name) };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ModelError(`${label}: not valid JSON (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
  }
  const format = jsonModelFormat(json);
  if (!format) throw new ModelError(`${label}: unknown JSON model (expected a TF.js model.json with "modelTopology" or Tessera JSON with "format": "tessera")`);
  return { format, json: json as Record<string, unknown> };
}
