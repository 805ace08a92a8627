/**
 * Seeded fuzzing of the model readers (issue #29): thousands of mutants of the fixtures' ONNX bytes, of Tessera
 * JSON models and of TF.js model.json manifests with their weight files, each loaded in-process with `loadModel`;
 * a handful through the real CLI. Every mutant either loads as a valid network or is refused with one ModelError line
 * naming its file; nothing else is thrown, memory stays bounded, and where a mutant loads, its count (engine, in the
 * CLI too) equals an independent count (the MILP formulation on HiGHS). Checkpoint and part files are fuzzed by
 * their own suite (part B of the issue).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import { loadModel, type LoadedModel } from "../src/io/load.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { toTfjs } from "../src/io/tfjs.ts";
import { countRegionsMilp } from "../src/milp/count.ts";
import { networkFingerprint } from "../src/model/fingerprint.ts";
import { hiddenUnitCount, uniformBox, type Box, type Network } from "../src/model/network.ts";
import { mulberry32 } from "../src/util/random.ts";
import { runCliAll } from "./helpers/cli.ts";
import { expectedOf, fixtureBytes } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-fuzz-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Mutants per format (ONNX, Tessera JSON, TF.js): 3 × 1,000 cases in all. */
const CASES_PER_FORMAT = 1000;
/** Seed of the whole run (every mutant follows from it). */
const SEED = 0x29_2026;
/** Most mutants that load with other weights whose count is checked against the MILP count (each takes ~0.1–1 s). */
const COUNT_CHECKS = 8;
/**
 * Counts are compared only for networks whose nonzero weights and biases lie within [1e-3, 1e3] and whose box is
 * within ±1e3: extreme magnitudes are the scaling property's subject (part B of the issue), not the readers'.
 */
const SANE_MIN = 1e-3, SANE_MAX = 1e3;
/**
 * Most resident memory the whole run may add: 512 MB, half of one layer at the limit (MAX_LAYER_ENTRIES, 1 GiB), so a
 * mutant that allocated anywhere near the limit, or memory that grew with the number of cases, fails the test. The
 * seeded run adds about 50 MB.
 */
const RSS_GROWTH_LIMIT = 512 * 2 ** 20;

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Byte-level mutations: bit flips, random bytes, truncation, deletion, insertion, duplication, varint noise. */
function mutateBytes(r: Rand, src: Uint8Array): Uint8Array {
  const b = Uint8Array.from(src);
  const at = int(r, b.length);
  switch (int(r, 8)) {
    case 0: {
      for (let k = 1 + int(r, 4); k > 0; k--) b[int(r, b.length)] ^= 1 << int(r, 8);
      return b;
    }
    case 1:
      b[at] = int(r, 256);
      return b;
    case 2:
      return b.subarray(0, at);
    case 3:
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + int(r, 16)))]);
    case 4:
      return Uint8Array.from([...b.subarray(0, at), ...Array.from({ length: 1 + int(r, 8) }, () => int(r, 256)), ...b.subarray(at)]);
    case 5: {
      const len = 1 + int(r, 64);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at, at + len), ...b.subarray(at)]);
    }
    case 6: {
      // A huge varint (a length or dimension of 2^63-ish) where a field value may start.
      const noise = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f].slice(int(r, 8));
      b.set(noise.slice(0, b.length - at), at);
      return b;
    }
    default: {
      // Overwrite 4 bytes with an extreme float32.
      const f = new DataView(new ArrayBuffer(4));
      f.setFloat32(0, pick(r, [Infinity, -Infinity, NaN, 3.4e38, 1e-45, -0, 1e20, 65504]), true);
      for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = f.getUint8(k);
      return b;
    }
  }
}

/** Values a JSON mutation puts in place of another. */
const INTERESTING: unknown[] = [
  0, -0, -1, 1.5, 60000, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, 5e-324, 1e-12, "x", "", "../../etc/passwd", "/dev/zero",
  null, true, [], {}, [[]], [60000, 60000], [-1, 2], [1.5], { kind: "relu" }, { kind: "maxout", pieces: 0 },
];

/** Every path to a value inside a JSON value. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => (out.length < 5000 ? paths(x, [...prefix, i], out) : undefined));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) if (out.length < 5000) paths(x, [...prefix, k], out);
  return out;
}

/** Structural and textual mutations of a JSON document. */
function mutateJson(r: Rand, doc: unknown, extra: (r: Rand, doc: Record<string, unknown>) => boolean = () => false): string {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const kind = int(r, 7);
  if (kind === 6 && extra(r, copy)) return JSON.stringify(copy);
  if (kind >= 4) {
    // Text-level: break the syntax or a number's spelling.
    const text = JSON.stringify(copy);
    const at = int(r, text.length);
    return kind === 4
      ? text.slice(0, at) + pick(r, ["{", "}", "[", "]", '"', ",", ":", "e", "-", "1e999", "NaN", "\u0000", "\\"]) + text.slice(at)
      : text.slice(0, at) + text.slice(at + 1 + int(r, 8));
  }
  const all = paths(copy).filter((p) => p.length > 0);
  const path = pick(r, all);
  let parent: unknown = copy;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k];
  const key = path[path.length - 1];
  const holder = parent as Record<string | number, unknown>;
  if (kind === 0) holder[key] = structuredClone(pick(r, INTERESTING));
  else if (kind === 1) {
    if (Array.isArray(holder)) holder.splice(key as number, 1);
    else delete holder[key];
  } else if (kind === 2) holder[key] = [holder[key]];
  else {
    // Deep nesting where the value was.
    let v: unknown = holder[key];
    for (let i = 0; i < 1 + int(r, 3000); i++) v = int(r, 2) ? [v] : { a: v };
    holder[key] = v;
  }
  return JSON.stringify(copy);
}

/** TF.js-specific mutations of the weightsManifest: paths, shapes, dtypes. */
function mutateManifest(r: Rand, doc: Record<string, unknown>): boolean {
  const manifest = doc.weightsManifest as { paths: unknown[]; weights: { shape: unknown; dtype?: unknown }[] }[] | undefined;
  if (!Array.isArray(manifest) || !manifest[0]?.paths) return false;
  const group = manifest[0];
  switch (int(r, 4)) {
    case 0:
      group.paths[0] = pick(r, ["../weights.bin", "/dev/zero", "/etc/passwd", "", ".", "sub/../weights.bin", "./weights.bin", "link-out.bin", "link-in.bin", "zero.bin", "C:\\w.bin", "weights.bin\u0000x", "%2e%2e/weights.bin"]);
      return true;
    case 1:
      group.paths.push(pick(r, ["weights.bin", "extra.bin", "../x"]));
      return true;
    case 2: {
      const w = pick(r, group.weights);
      if (w) w.shape = structuredClone(pick(r, [[60000, 60000], [2 ** 27, 2], [-2, 3], [2.5], [], [0, 3], [1e300]]));
      return true;
    }
    default: {
      const w = pick(r, group.weights);
      if (w) w.dtype = pick(r, ["float16", "int32", "bool", "complex64", "string", 7]);
      return true;
    }
  }
}

/** The result of loading one mutant in-process. */
type Outcome = { kind: "loaded"; loaded: LoadedModel } | { kind: "refused"; message: string };

async function tryLoad(path: string): Promise<Outcome> {
  try {
    return { kind: "loaded", loaded: await loadModel(path) };
  } catch (err) {
    const e = err as Error;
    assert.equal(e?.name, "ModelError", `${path}: not a ModelError: ${e?.stack ?? String(err)}`);
    assert.ok(!e.message.includes("\n"), `${path}: a message of more than one line: ${e.message}`);
    // A TF.js folder's messages name the folder's model.json.
    assert.ok(e.message.startsWith(`${path}: `) || e.message.startsWith(`${join(path, "model.json")}: `), `${path}: the message does not name the file: ${e.message}`);
    return { kind: "refused", message: e.message };
  }
}

/** Are all weights, biases and the box within the range where counts are compared? */
function sane(net: Network, box: Box): boolean {
  const ok = (v: number) => v === 0 || (Math.abs(v) >= SANE_MIN && Math.abs(v) <= SANE_MAX);
  if (![...box.lo, ...box.hi].every((v) => Math.abs(v) <= SANE_MAX) || box.lo.some((v, i) => box.hi[i] - v < SANE_MIN)) return false;
  return net.inputDim <= 3 && hiddenUnitCount(net) <= 24 && net.layers.every((l) => l.weights.every(ok) && l.bias.every(ok) && l.activation.kind !== "maxout");
}

interface Base {
  name: string;
  /** Writes the mutant `i` to a fresh folder and returns the path to load. */
  write: (r: Rand, i: number) => string;
  fingerprint: string;
  box: Box;
}

function onnxBase(fixture: string): Base {
  const bytes = fixtureBytes(fixture);
  const e = expectedOf(fixture);
  return {
    name: `onnx ${fixture}`,
    write: (r, i) => {
      const file = join(dir, `onnx-${i}.onnx`);
      writeFileSync(file, mutateBytes(r, bytes));
      return file;
    },
    fingerprint: networkFingerprint(parseOnnx(bytes, fixture)),
    box: uniformBox(e.input_dim, e.box[0], e.box[1]),
  };
}

const jsonNet = randomNet(29, 2, [6, 5]);
const jsonBox = uniformBox(2, -1, 1);
const jsonDoc = JSON.parse(stringifyTesseraJson(jsonNet, jsonBox, { trainedBy: "fuzz", history: [{ epoch: 1, loss: 0.5 }] }));

const tfNet = randomNet(31, 2, [5, 4]);
const tf = toTfjs(tfNet);

/** A TF.js model folder with its weights, a link leaving the folder, a link inside it and a link to /dev/zero. */
function tfjsFolder(i: number, modelJson: string, weights: Uint8Array): string {
  const folder = join(dir, `tfjs-${i}`);
  mkdirSync(join(folder, "sub"), { recursive: true });
  writeFileSync(join(folder, "model.json"), modelJson);
  writeFileSync(join(folder, "weights.bin"), weights);
  writeFileSync(join(dir, "outside.bin"), tf.weightData);
  return folder;
}

describe("fuzzing the model readers (seeded)", { timeout: 600_000 }, () => {
  it(`${3 * CASES_PER_FORMAT} mutants of ONNX, Tessera JSON and TF.js: each loads or is refused in one line naming its file; loaded counts equal the MILP's`, async () => {
    const { symlinkSync } = await import("node:fs");
    const r = mulberry32(SEED);
    const onnxBases = [onnxBase("random-2-8-8-s1"), onnxBase("random-1-8-8-s3"), onnxBase("random-2-16-s2")];
    const refusedReasons = new Map<string, number>();
    const loadedOther: { path: string; loaded: LoadedModel; box: Box }[] = [];
    const cliRefused: string[] = [];
    let loadedSame = 0, loadedTotal = 0, countChecked = 0;
    const rss0 = process.memoryUsage().rss;
    let rssPeak = rss0;

    const onOutcome = async (path: string, o: Outcome, trueFingerprint: string | undefined, box: Box) => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      if (o.kind === "refused") {
        const reason = o.message.slice(o.message.indexOf(": ") + 2).replace(/[\d"].*$/, "").slice(0, 40);
        refusedReasons.set(reason, (refusedReasons.get(reason) ?? 0) + 1);
        if (cliRefused.length < 4 && refusedReasons.get(reason) === 1) cliRefused.push(path);
        return;
      }
      loadedTotal++;
      const net = o.loaded.network;
      if (trueFingerprint !== undefined && networkFingerprint(net) === trueFingerprint) {
        loadedSame++;
        return;
      }
      const b = o.loaded.domain ?? box;
      if (countChecked < COUNT_CHECKS && sane(net, b)) {
        countChecked++;
        loadedOther.push({ path, loaded: o.loaded, box: b });
      }
    };

    // ONNX bytes.
    for (let i = 0; i < CASES_PER_FORMAT; i++) {
      const base = onnxBases[i % onnxBases.length];
      const path = base.write(r, i);
      const o = await tryLoad(path);
      await onOutcome(path, o, base.fingerprint, base.box);
    }
    // Tessera JSON.
    const jsonFingerprint = networkFingerprint(jsonNet);
    for (let i = 0; i < CASES_PER_FORMAT; i++) {
      const path = join(dir, `json-${i}.json`);
      writeFileSync(path, mutateJson(r, jsonDoc));
      await onOutcome(path, await tryLoad(path), jsonFingerprint, jsonBox);
    }
    // TF.js: the manifest (paths, shapes, dtypes), the rest of model.json, or the weight bytes.
    const tfFingerprint = networkFingerprint(tfNet);
    for (let i = 0; i < CASES_PER_FORMAT; i++) {
      const which = int(r, 3);
      const modelJson = which === 2 ? JSON.stringify(tf.modelJson) : mutateJson(r, tf.modelJson, mutateManifest);
      const weights = which === 2 ? mutateBytes(r, tf.weightData) : tf.weightData;
      const folder = tfjsFolder(i, modelJson, weights);
      symlinkSync(join(dir, "outside.bin"), join(folder, "link-out.bin"));
      symlinkSync(join(folder, "weights.bin"), join(folder, "link-in.bin"));
      symlinkSync("/dev/zero", join(folder, "zero.bin"));
      await onOutcome(folder, await tryLoad(folder), tfFingerprint, uniformBox(2, -1, 1));
    }

    // Mutants that load with other weights: the engine's count equals the MILP formulation's.
    for (const { path, loaded, box } of loadedOther) {
      const engine = countRegions(loaded.network, { box }).regions;
      const milp = (await countRegionsMilp(loaded.network, { box })).regions;
      assert.equal(engine, milp, `${path}: engine ${engine}, MILP ${milp}`);
    }
    // A handful through the real CLI: refusals are one line and exit 2; loads give the independent count.
    const cliLoaded = loadedOther.slice(0, 2);
    const runs = await runCliAll([
      ...cliRefused.map((p) => ["count", p, "--box=-1,1", "--json", "--no-progress"]),
      ...cliLoaded.map((c) => ["count", c.path, `--box=${c.box.lo[0]},${c.box.hi[0]}`, "--json", "--no-progress"]),
    ], 2);
    runs.slice(0, cliRefused.length).forEach((res, k) => {
      assert.equal(res.code, 2, `${cliRefused[k]}: ${res.stderr}`);
      assert.equal(res.stderr.trim().split("\n").length, 1, res.stderr);
      assert.ok(res.stderr.startsWith(`tessera: ${cliRefused[k]}: `), res.stderr);
      assert.doesNotMatch(res.stderr, /internal error|\n\s+at /);
      assert.equal(res.stdout, "");
    });
    for (const [k, res] of runs.slice(cliRefused.length).entries()) {
      const c = cliLoaded[k];
      if (c.box.lo.some((v, j) => v !== c.box.lo[0] || c.box.hi[j] !== c.box.hi[0])) continue; // a non-uniform domain: compared in-process only
      assert.equal(res.code, 0, res.stderr);
      const milp = (await countRegionsMilp(c.loaded.network, { box: c.box })).regions;
      assert.equal((JSON.parse(res.stdout) as { regions: number }).regions, milp, c.path);
    }

    const growth = rssPeak - rss0;
    assert.ok(growth < RSS_GROWTH_LIMIT, `resident memory grew by ${(growth / 2 ** 20).toFixed(0)} MB`);
    // The run exercised both sides: refusals of many kinds, and loads (same weights and other weights).
    assert.ok(refusedReasons.size >= 20, `only ${refusedReasons.size} kinds of refusal`);
    assert.ok(loadedSame > 0 && loadedOther.length > 0, `loaded ${loadedTotal}: ${loadedSame} unchanged, ${loadedOther.length} checked`);
    process.stdout.write(`# fuzz: ${3 * CASES_PER_FORMAT} mutants, ${loadedTotal} loaded (${loadedSame} with the original weights, ${countChecked} others counted against the MILP, ${cliLoaded.length} through the CLI), ${3 * CASES_PER_FORMAT - loadedTotal} refused in ${refusedReasons.size} kinds of message (${cliRefused.length} through the CLI); resident memory +${(growth / 2 ** 20).toFixed(0)} MB\n`);
  });
});
