/**
 * The input domain of a command: `--box lo,hi`, `--box-file F`, the domain stored in the model file, or the `box` of
 * a fixture's sibling NAME.expected.json, in that order. The one definition of the `--box`, `--box-file` and
 * `--threshold` flags and the one resolver every command uses.
 */
import { readFile } from "node:fs/promises";
import { Option } from "commander";
import { DEFAULT_INTERIOR_THRESHOLD } from "../count/session.ts";
import * as z from "zod/mini";
import type { LoadedModel } from "../io/load.ts";
import { boxProblem } from "../model/box.ts";
import type { Box } from "../model/network.ts";
import { uniformBox } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";
import { UsageError } from "../util/errors.ts";

/** `--box lo,hi`, shared by every command that takes an input domain. */
export const boxOption = (): Option =>
  new Option("--box <lo,hi>", "input box [lo, hi]^n0 (default: the model's domain or its NAME.expected.json box)");

/** `--box-file F`, shared by every command that takes an input domain. */
export const boxFileOption = (): Option =>
  new Option("--box-file <file>", 'input box from JSON {"lo": number|number[], "hi": number|number[]}');

/** `--threshold t`, shared by every command that counts regions (parsed by parseThreshold, src/count/session.ts). */
export const thresholdOption = (): Option =>
  new Option("--threshold <t>", "interior-radius threshold: a region needs a point this far from all its hyperplanes").default(String(DEFAULT_INTERIOR_THRESHOLD));

/** Parse `--box lo,hi` (finite, lo < hi). */
export function parseBox(text: string): [number, number] {
  const parts = text.split(",").map((t) => t.trim());
  const nums = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === "") || nums.some((v) => !Number.isFinite(v))) {
    throw new UsageError(`--box "${text}": give two finite numbers lo,hi (e.g. --box 0,1)`);
  }
  if (!(nums[0] < nums[1])) throw new UsageError(`--box "${text}": lo must be smaller than hi`);
  return [nums[0], nums[1]];
}

/** The `box` of a fixture's sibling NAME.expected.json, when that file exists. */
export async function siblingExpectedBox(path: string, dim: number): Promise<{ box: Box; from: string } | undefined> {
  const sibling = path.replace(/\.(onnx|json)$/i, "") + ".expected.json";
  if (sibling === path) return undefined;
  let text: string;
  try {
    text = await readFile(sibling, "utf8");
  } catch {
    return undefined;
  }
  let box: unknown;
  try {
    box = (JSON.parse(text) as { box?: unknown }).box;
  } catch {
    throw new ModelError(`${sibling}: not valid JSON`);
  }
  if (box === undefined) return undefined;
  if (!Array.isArray(box) || box.length !== 2 || box.some((v) => typeof v !== "number" || !Number.isFinite(v)) || !(box[0] < box[1])) {
    throw new ModelError(`${sibling}: "box" must be [lo, hi] with lo < hi`);
  }
  return { box: uniformBox(dim, box[0], box[1]), from: sibling };
}

const boundSchema = z.union([z.number(), z.array(z.number())]);
const boxFileSchema = z.object({ lo: boundSchema, hi: boundSchema });

/** Read `--box-file F`: JSON `{"lo": number | number[], "hi": number | number[]}`. */
export async function readBoxFile(path: string, dim: number): Promise<Box> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new UsageError(`${path}: cannot read the box file`);
  }
  let parsed: z.infer<typeof boxFileSchema>;
  try {
    parsed = boxFileSchema.parse(JSON.parse(text));
  } catch {
    throw new UsageError(`${path}: a box file is JSON {"lo": number or array, "hi": number or array}`);
  }
  const expand = (v: number | number[], name: string): Float64Array => {
    if (typeof v === "number") return new Float64Array(dim).fill(v);
    if (v.length !== dim) throw new UsageError(`${path}: "${name}" has ${v.length} entries, the model takes ${dim} inputs`);
    return Float64Array.from(v);
  };
  const box = { lo: expand(parsed.lo, "lo"), hi: expand(parsed.hi, "hi") };
  for (let j = 0; j < dim; j++) {
    if (!Number.isFinite(box.lo[j]) || !Number.isFinite(box.hi[j]) || !(box.lo[j] < box.hi[j])) {
      throw new UsageError(`${path}: coordinate ${j} needs finite lo < hi, got [${box.lo[j]}, ${box.hi[j]}]`);
    }
  }
  return box;
}

/** A resolved domain: the box, where it came from (a flag, a file name) and which rule gave it. */
export interface Domain {
  box: Box;
  from: string;
  source: "box" | "box-file" | "model" | "sibling";
}

/**
 * Resolve the domain of a command for a loaded model, in the one order: `--box`, `--box-file`, the model's own
 * domain, its sibling NAME.expected.json. With no domain anywhere: a one-line UsageError saying how to give one, or
 * undefined when the command can do without (`optional`).
 */
export async function resolveDomain(loaded: LoadedModel, opts: { box?: string; boxFile?: string }): Promise<Domain>;
export async function resolveDomain(loaded: LoadedModel, opts: { box?: string; boxFile?: string }, optional: "optional"): Promise<Domain | undefined>;
export async function resolveDomain(
  loaded: LoadedModel,
  opts: { box?: string; boxFile?: string },
  optional?: "optional",
): Promise<Domain | undefined> {
  const domain = await findDomain(loaded, opts);
  if (!domain) {
    if (optional) return undefined;
    throw new UsageError(`${loaded.path}: no input domain in the model; give --box lo,hi or --box-file F`);
  }
  // The one check of every box, wherever it came from (src/model/box.ts).
  const problem = boxProblem(domain.box);
  if (problem) throw new UsageError(`${domain.from}: ${problem}`);
  return domain;
}

/** The domain from the first source that gives one, or undefined. */
async function findDomain(loaded: LoadedModel, opts: { box?: string; boxFile?: string }): Promise<Domain | undefined> {
  const dim = loaded.network.inputDim;
  if (opts.box !== undefined && opts.boxFile !== undefined) throw new UsageError("give either --box or --box-file, not both");
  if (opts.box !== undefined) {
    const [lo, hi] = parseBox(opts.box);
    return { box: uniformBox(dim, lo, hi), from: "--box", source: "box" };
  }
  if (opts.boxFile !== undefined) return { box: await readBoxFile(opts.boxFile, dim), from: opts.boxFile, source: "box-file" };
  if (loaded.domain) return { box: loaded.domain, from: loaded.path, source: "model" };
  const sibling = await siblingExpectedBox(loaded.path, dim);
  if (sibling) return { ...sibling, source: "sibling" };
  return undefined;
}
