/**
 * Loading and saving models from files (Node only; the parsers it calls are core-safe). A directory is a TF.js
 * LayersModel (its model.json); a file's format is sniffed from its name and content by the core's rules
 * (src/io/sniff.ts, the explorer's too): `.onnx` → ONNX; JSON with `modelTopology` → TF.js LayersModel; JSON with
 * `"format": "tessera"` → Tessera JSON. Every error is a one-line {@link ModelError} that starts with the path.
 */
import { readFileSync, statSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { Box, Network } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";
import { type OnnxProvenance, parseOnnxModel } from "./onnx.ts";
import { parseTesseraJson, stringifyTesseraJson } from "./tessera-json.ts";
import { parseTfjs, tfjsDeclaredGroupBytes, toTfjs } from "./tfjs.ts";
import { ContainedFileError, readContained, reasonOf } from "./contained-file.ts";
import { type ModelFormat, sniffModel } from "./sniff.ts";

export type { ModelFormat } from "./sniff.ts";

/** A network read from a file, with the format it came in and the input domain when the file carries one. */
export interface LoadedModel {
  network: Network;
  path: string;
  format: ModelFormat;
  domain?: Box;
  /** Tessera JSON's `metadata` (training provenance and results), when present. */
  metadata?: Record<string, unknown>;
  /** ONNX: what wrote the file (producer, opsets) and the original operators, for `tessera info`. */
  onnx?: OnnxProvenance;
}

function loadOnnx(bytes: Uint8Array, path: string): LoadedModel {
  const folder = dirname(path);
  const { network, provenance } = parseOnnxModel(bytes, path, {
    // The whole file, as named inside the model's folder (no absolute path, no "..", no link out, a regular file).
    externalData: (location) => readContained(folder, location, 0, Number.MAX_SAFE_INTEGER).bytes,
  });
  return { network, path, format: "onnx", onnx: provenance };
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new ModelError(`${path}: ${reasonOf(err)}`);
  }
}

/**
 * Read a TF.js model.json and the weight shards its manifest names. Each path must name a regular file inside the
 * model.json's folder (see {@link readContained}: no absolute path, no `..`, no symbolic link out), and a group's
 * files are read only up to the bytes the manifest declares for the group, so no file can grow memory past the
 * model's own size.
 */
async function loadTfjs(path: string, json: Record<string, unknown>): Promise<Network> {
  const shards = new Map<string, Uint8Array>();
  const manifest = json.weightsManifest;
  const declared = tfjsDeclaredGroupBytes(manifest, path);
  if (Array.isArray(manifest) && declared) {
    const folder = dirname(path);
    for (const [g, group] of manifest.entries()) {
      let left = declared[g];
      for (const p of (group as { paths: string[] }).paths) {
        if (shards.has(p)) continue;
        let read;
        try {
          read = readContained(folder, p, 0, left);
        } catch (err) {
          // A missing shard is reported by parseTfjs with its manifest name; refusals and other failures here.
          if (err instanceof ContainedFileError && err.missing) continue;
          throw new ModelError(`${path}: weight file "${p}" ${err instanceof Error ? err.message : String(err)}`);
        }
        if (read.size > left) {
          throw new ModelError(`${path}: weight file "${p}" holds ${read.size} bytes, more than the ${declared[g]} its weight group ${g} declares in all`);
        }
        shards.set(p, read.bytes);
        left -= read.size;
      }
    }
  }
  return parseTfjs(json, shards, path);
}

/**
 * Load a model file: ONNX, TF.js LayersModel (model.json or its directory) or Tessera JSON. The network is
 * validated ({@link validateNetwork} runs inside every parser). Throws {@link ModelError} naming the file.
 */
export async function loadModel(path: string): Promise<LoadedModel> {
  try {
    return await loadModelFile(path);
  } catch (err) {
    // The parsers refuse sizes above MAX_LAYER_ENTRIES and nesting above MAX_JSON_DEPTH before allocating or
    // recursing; should the engine still run out (a model near the limits on a small machine), say so in one line.
    if (err instanceof RangeError) throw new ModelError(`${path}: too large to load (${err.message})`);
    throw err;
  }
}

async function loadModelFile(path: string): Promise<LoadedModel> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new ModelError(`${path}: ${reasonOf(err)}`);
  }
  if (info.isDirectory()) {
    const modelJson = join(path, "model.json");
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(modelJson));
    } catch (err) {
      throw new ModelError(`${path}: a directory, but not a TF.js model (model.json: ${reasonOf(err)})`);
    }
    const loaded = await loadModelBytes(modelJson, bytes);
    return { ...loaded, path };
  }
  return loadModelBytes(path, await readBytes(path));
}

async function loadModelBytes(path: string, bytes: Uint8Array): Promise<LoadedModel> {
  const sniffed = sniffModel(path, bytes);
  if (sniffed.format === "onnx") {
    if (sniffed.byName) return loadOnnx(bytes, path);
    try {
      return loadOnnx(bytes, path);
    } catch {
      throw new ModelError(`${path}: unknown model format (expected .onnx, a TF.js model.json or its directory, or Tessera JSON)`);
    }
  }
  if (sniffed.format === "tfjs") return { network: await loadTfjs(path, sniffed.json), path, format: "tfjs" };
  const { network, domain, metadata } = parseTesseraJson(sniffed.json, path);
  return { network, path, format: "tessera-json", ...(domain ? { domain } : {}), ...(metadata ? { metadata } : {}) };
}

async function writeOut(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ModelError(`${path}: cannot write (${code ?? (err instanceof Error ? err.message : String(err))})`);
  }
}

/** Save a network (and optionally its input domain and free-form metadata) as Tessera JSON. */
export async function saveModel(net: Network, path: string, domain?: Box, metadata?: Record<string, unknown>): Promise<void> {
  await writeOut(path, stringifyTesseraJson(net, domain, metadata));
}

/** Where {@link saveTfjs} wrote the model, and how many values float32 rounding changed. */
export interface SavedTfjs {
  modelJsonPath: string;
  weightsPath: string;
  roundedValues: number;
}

/**
 * Save a network as a TF.js LayersModel. `out` ending in `.json` names the model.json (weights go to
 * `<stem>.weights.bin` beside it); otherwise `out` is a directory that receives `model.json` and `weights.bin`.
 */
export async function saveTfjs(net: Network, out: string): Promise<SavedTfjs> {
  const isFile = extname(out).toLowerCase() === ".json";
  const modelJsonPath = isFile ? out : join(out, "model.json");
  const weightsName = isFile ? `${basename(out, extname(out))}.weights.bin` : "weights.bin";
  const weightsPath = join(dirname(modelJsonPath), weightsName);
  let artifacts;
  try {
    artifacts = toTfjs(net, weightsName);
  } catch (err) {
    if (err instanceof ModelError) throw new ModelError(`${modelJsonPath}: cannot write as TF.js: ${err.message}`);
    throw err;
  }
  const { modelJson, weightData, roundedValues } = artifacts;
  await writeOut(weightsPath, weightData);
  await writeOut(modelJsonPath, `${JSON.stringify(modelJson)}\n`);
  return { modelJsonPath, weightsPath, roundedValues };
}
