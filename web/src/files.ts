/**
 * Files given to the page (drag and drop, file inputs, the `?model=` URL): a CSV of `x,y,label` points becomes the
 * dataset; a model becomes the network shown. Models: Tessera JSON, ONNX, and TF.js LayersModel `model.json` when
 * its weights come with it: dropped together with the weight files its manifest names, inlined as `data:` URLs in the
 * manifest paths, or as a base64 `weightData` string beside the manifest. Every problem is one line naming the file.
 */
import { type Box, DataError, isModelName, isTableName, ModelError, type ModelFormat, type Network, parseCsvDataset, parseOnnx, parseTesseraJson, parseTfjs, type PointDataset, sniffModel } from "tessera";

/** A model read from files. */
export interface LoadedNetwork {
  kind: "model";
  name: string;
  format: ModelFormat;
  network: Network;
  domain?: Box;
  metadata?: Record<string, unknown>;
}

/** A dataset read from a CSV file. */
export interface LoadedData {
  kind: "data";
  name: string;
  dataset: PointDataset;
}

/** A named file's bytes (File objects and fetched URLs alike). */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** One line for the page: the message of a known error, otherwise "name: reason". */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0];
}

/** The last path segment of a manifest path or URL. */
function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Bytes of a base64 string. */
function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Weight shards of a TF.js model.json from dropped files, `data:` URLs, or an inline base64 `weightData`. */
function tfjsShards(json: Record<string, unknown>, others: NamedBytes[], label: string): Map<string, Uint8Array> {
  const shards = new Map<string, Uint8Array>();
  const manifest = Array.isArray(json.weightsManifest) ? (json.weightsManifest as { paths?: unknown }[]) : [];
  const paths = manifest.flatMap((g) => (Array.isArray(g.paths) ? g.paths.filter((p): p is string => typeof p === "string") : []));
  const byName = new Map(others.map((f) => [f.name, f.bytes]));
  for (const p of paths) {
    const m = /^data:[^,]*;base64,(.*)$/s.exec(p);
    if (m) {
      try {
        shards.set(p, fromBase64(m[1]));
      } catch {
        throw new ModelError(`${label}: weight path ${p.slice(0, 40)}… is not valid base64`);
      }
      continue;
    }
    const bytes = byName.get(baseName(p));
    if (bytes) shards.set(p, bytes);
  }
  if (typeof json.weightData === "string" && paths.length > 0 && shards.size === 0) {
    // One inline buffer for the whole manifest: give it to the first path, empty shards to the rest.
    try {
      shards.set(paths[0], fromBase64(json.weightData));
    } catch {
      throw new ModelError(`${label}: weightData is not valid base64`);
    }
    for (const p of paths.slice(1)) shards.set(p, new Uint8Array(0));
  }
  const missing = paths.filter((p) => !shards.has(p));
  if (missing.length > 0) {
    throw new ModelError(`${label}: TF.js weights missing (${missing.map(baseName).join(", ")}): drop model.json together with its weight files`);
  }
  return shards;
}

/**
 * An ONNX model's external data file (`NAME.onnx.data`, as torch's exporter writes it) among the files dropped with
 * it, matched by name; a location that would leave the model's folder is refused as on the command line.
 */
function externalFile(location: string, others: NamedBytes[], model: string): Uint8Array {
  if (/^([\\/]|[A-Za-z]:)/.test(location)) throw new Error("an absolute path, which may not leave the model's folder");
  if (location.split(/[\\/]/).includes("..")) throw new Error('a path with "..", which may not leave the model\'s folder');
  const file = others.find((f) => f.name === location || baseName(f.name) === baseName(location));
  if (!file) throw new Error(`not among the dropped files: drop ${baseName(location)} together with ${model}`);
  return file.bytes;
}

/** Read a model from its main file (and, for TF.js, the other files dropped with it); the content decides the format. */
export function readModel(main: NamedBytes, others: NamedBytes[] = []): LoadedNetwork {
  const { name, bytes } = main;
  const sniffed = sniffModel(name, bytes);
  let loaded: LoadedNetwork;
  if (sniffed.format === "onnx") {
    loaded = { kind: "model", name, format: "onnx", network: parseOnnx(bytes, name, { externalData: (location) => externalFile(location, others, name) }) };
  } else if (sniffed.format === "tessera-json") {
    const { network, domain, metadata } = parseTesseraJson(sniffed.json, name);
    loaded = { kind: "model", name, format: "tessera-json", network, domain, metadata };
  } else {
    loaded = { kind: "model", name, format: "tfjs", network: parseTfjs(sniffed.json, tfjsShards(sniffed.json, others, name), name) };
  }
  if (loaded.network.inputDim !== 2) {
    throw new ModelError(`${name}: the explorer draws networks with 2 inputs, this one takes ${loaded.network.inputDim} (tessera draw --slice draws a plane of it)`);
  }
  return loaded;
}

/**
 * Read dropped or chosen files: a CSV (the first one, when several are given) becomes the dataset, otherwise a
 * model (.onnx, .json, with TF.js weight files alongside). Throws ModelError or DataError with one line.
 */
export function readFiles(files: NamedBytes[], csv: { seed: number; testFraction: number }): LoadedNetwork | LoadedData {
  if (files.length === 0) throw new ModelError("no file given");
  const table = files.find((f) => isTableName(f.name));
  if (table) {
    const text = new TextDecoder().decode(table.bytes);
    return { kind: "data", name: table.name, dataset: parseCsvDataset(text, { source: table.name, seed: csv.seed, testFraction: csv.testFraction }) };
  }
  const main = files.find((f) => isModelName(f.name));
  if (!main) {
    const names = files.map((f) => f.name).join(", ");
    throw new ModelError(`${names}: expected a model (.onnx, Tessera JSON, TF.js model.json with its weights) or a CSV of x,y,label points`);
  }
  return readModel(main, files.filter((f) => f !== main));
}

/** Is this a one-line input error (bad file) rather than a bug? */
export function isInputError(err: unknown): boolean {
  return err instanceof ModelError || err instanceof DataError || (err instanceof Error && err.name === "ZodError");
}
