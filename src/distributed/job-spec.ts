/**
 * What the coordinator publishes for a job and every worker reads: the network, the domain, the threshold and the
 * pre-activation bounds computed once by the coordinator (the search tree depends only on these, so every worker
 * explores the same tree and the count never depends on who runs which unit), plus the time limit of a unit.
 * Weights and bounds travel as base64 of their float64 bytes: exact, −0 and ±∞ included, so the worker can check
 * the model fingerprint of what it decoded.
 */
import * as z from "zod";
import type { StableUnitReport } from "../count/types.ts";
import { describeSchemaIssue } from "../io/schema-issue.ts";
import { boxProblem } from "../model/box.ts";
import { networkFingerprint } from "../model/fingerprint.ts";
import { hiddenLayers, type Activation, type Box, type Network } from "../model/network.ts";
import { validateNetwork } from "../model/validate.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { requireLayerwise } from "../model/lower.ts";

/** Default time limit of a unit, in seconds: long enough that splitting costs little, short enough to balance. */
export const DEFAULT_UNIT_SECONDS = 30;

/** A job as stored in Redis (JSON). */
export interface JobSpec {
  format: "tessera-queue-job";
  version: 1;
  name: string;
  /** The model as the coordinator was given it (path), for reports. */
  model: string;
  fingerprint: string;
  network: { inputDim: number; layers: { inDim: number; outDim: number; activation: Activation; weights: string; bias: string }[] };
  box: { lo: string; hi: string };
  threshold: number;
  tightening: "lp" | "interval";
  bounds: { lower: string[]; upper: string[] };
  /** A unit running longer than this abandons its partial count and is replaced by its children. */
  unitSeconds: number;
  /** Tasks of the coordinator's split (the seed units). */
  tasks: number;
  /** LPs of the split and of bound tightening (reported once, in the job's totals). */
  splitLps: number;
  tighteningLps: number;
  tighteningSeconds: number;
  stableUnits: StableUnitReport;
}

/** A decoded job: the spec and the objects a worker builds its enumerator from. */
export interface DecodedJob {
  spec: JobSpec;
  network: Network;
  box: Box;
  bounds: PreActivationBounds;
}

/** Why a job could not be used. */
export class MalformedJobError extends Error {
  override name = "MalformedJobError";
}

/** Float64 values as base64 of their little-endian bytes. */
export function encodeFloats(values: Float64Array): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat64(i * 8, v, true));
  return Buffer.from(bytes).toString("base64");
}

/** Inverse of {@link encodeFloats}; `null` when the text is not a whole number of float64 values. */
export function decodeFloats(text: string): Float64Array | null {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 8 !== 0 || bytes.toString("base64") !== text) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** Everything but the encoded arrays, which {@link describeJob} fills in. */
export type JobSpecHead = Omit<JobSpec, "format" | "version" | "fingerprint" | "network" | "box" | "bounds">;

/** Build the spec of a job. */
export function describeJob(head: JobSpecHead, network: Network, box: Box, bounds: PreActivationBounds): JobSpec {
  requireLayerwise(network, "a distributed count job");
  return {
    format: "tessera-queue-job",
    version: 1,
    ...head,
    fingerprint: networkFingerprint(network),
    network: {
      inputDim: network.inputDim,
      layers: network.layers.map((l) => ({
        inDim: l.inDim,
        outDim: l.outDim,
        activation: { ...l.activation },
        weights: encodeFloats(l.weights),
        bias: encodeFloats(l.bias),
      })),
    },
    box: { lo: encodeFloats(Float64Array.from(box.lo)), hi: encodeFloats(Float64Array.from(box.hi)) },
    bounds: { lower: bounds.lower.map(encodeFloats), upper: bounds.upper.map(encodeFloats) },
  };
}

const activationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("relu") }),
  z.object({ kind: z.literal("leaky-relu"), alpha: z.number() }),
  z.object({ kind: z.literal("maxout"), rank: z.int().positive() }),
  z.object({ kind: z.literal("identity") }),
]);

const specSchema = z.object({
  format: z.literal("tessera-queue-job"),
  version: z.literal(1),
  name: z.string(),
  model: z.string(),
  fingerprint: z.string(),
  network: z.object({
    inputDim: z.int().positive(),
    layers: z.array(z.object({ inDim: z.int().positive(), outDim: z.int().positive(), activation: activationSchema, weights: z.string(), bias: z.string() })),
  }),
  box: z.object({ lo: z.string(), hi: z.string() }),
  threshold: z.number().positive(),
  tightening: z.enum(["lp", "interval"]),
  bounds: z.object({ lower: z.array(z.string()), upper: z.array(z.string()) }),
  unitSeconds: z.number().positive(),
  tasks: z.int().nonnegative(),
  splitLps: z.int().nonnegative(),
  tighteningLps: z.int().nonnegative(),
  tighteningSeconds: z.number().nonnegative(),
  stableUnits: z.object({ active: z.array(z.int()), inactive: z.array(z.int()), total: z.int() }),
});

/** Parse a stored spec and rebuild its network, box and bounds; throws {@link MalformedJobError}. */
export function decodeJob(text: string, job: string): DecodedJob {
  const fail = (why: string): never => {
    throw new MalformedJobError(`job ${job}: ${why}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail("its spec is not JSON");
  }
  const parsed = specSchema.safeParse(json);
  if (!parsed.success) return fail(`bad spec: ${describeSchemaIssue(parsed.error)}`);
  const spec = parsed.data as JobSpec;
  const floats = (what: string, t: string, length?: number): Float64Array => {
    const v = decodeFloats(t);
    if (!v || (length !== undefined && v.length !== length)) return fail(`bad spec: ${what} is not ${length ?? "a list of"} float64 values`);
    return v;
  };
  const network: Network = {
    inputDim: spec.network.inputDim,
    layers: spec.network.layers.map((l, i) => ({
      inDim: l.inDim,
      outDim: l.outDim,
      activation: l.activation,
      weights: floats(`layers[${i}].weights`, l.weights, l.inDim * l.outDim),
      bias: floats(`layers[${i}].bias`, l.bias, l.outDim),
    })),
  };
  try {
    validateNetwork(network);
  } catch (err) {
    fail(`bad network: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (networkFingerprint(network) !== spec.fingerprint) fail("the network does not match its fingerprint");
  const box: Box = { lo: floats("box.lo", spec.box.lo, network.inputDim), hi: floats("box.hi", spec.box.hi, network.inputDim) };
  const boxIssue = boxProblem(box);
  if (boxIssue) fail(`bad box: ${boxIssue}`);
  const hidden = hiddenLayers(network);
  if (spec.bounds.lower.length !== hidden.length || spec.bounds.upper.length !== hidden.length) {
    fail(`bad spec: bounds for ${spec.bounds.lower.length} layers, the network has ${hidden.length} hidden layers`);
  }
  const bounds: PreActivationBounds = {
    lower: spec.bounds.lower.map((t, l) => floats(`bounds.lower[${l}]`, t, hidden[l].outDim)),
    upper: spec.bounds.upper.map((t, l) => floats(`bounds.upper[${l}]`, t, hidden[l].outDim)),
  };
  return { spec, network, box, bounds };
}
