/**
 * `tessera count --method milp | mipbound`: the seed paper's mixed-integer counting (Serra et al. 2018) and the
 * probabilistic lower bound MIPBound (Serra & Ramalingam 2020), with the same domain, progress, checkpoint, regions
 * output and interruption as the fast engine.
 */
import { closeSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { CountResult } from "../count/types.ts";
import type { LoadedModel } from "../io/load.ts";
import { loadHighs } from "../lp/highs.ts";
import { countRegionsMilp, type MilpCheckpoint } from "../milp/count.ts";
import { mipBound, type MipBoundResult } from "../milp/mipbound.ts";
import { patternToString } from "../model/evaluate.ts";
import { networkFingerprint } from "../model/fingerprint.ts";
import { toOriginalInput, toOriginalRadius } from "../model/normalise.ts";
import { tightenedBounds, unitScaleFor } from "../count/session.ts";
import type { Box } from "../model/network.ts";
import { UsageError } from "../util/errors.ts";
import { contentDigest } from "../count/checkpoint.ts";
import { describeSchemaIssue } from "../io/schema-issue.ts";
import * as z from "zod";
import { formatCount } from "../util/progress.ts";
import { ProgressBar } from "./progress-bar.ts";
import { appendRegions, openRegionsFile } from "./regions-file.ts";

const count = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const bits = z.string().regex(/^[01]*$/);

/** The `--method milp` checkpoint file; validated field by field on `--resume`, with a content digest (checkpoint.ts). */
const milpCliSchema = z.object({
  format: z.literal("tessera-milp-cli-checkpoint"),
  fingerprint: z.string(),
  regionsFile: z.string().nullable(),
  regionsBytes: count,
  milp: z.object({
    kind: z.literal("tessera-milp-checkpoint"),
    version: z.literal(1),
    enumeration: z.enum(["branch", "nogood"]),
    fingerprint: z.string(),
    regions: count,
    lps: count,
    seconds: z.number().nonnegative().refine(Number.isFinite, "expected a finite number"),
    pending: z.array(z.object({ prefix: bits, witness: z.array(z.number().refine(Number.isFinite, "expected a finite number")).nullable() })),
    cuts: z.array(bits),
  }),
  digest: z.string().regex(/^[0-9a-f]{16}$/),
});
type MilpCliCheckpoint = z.infer<typeof milpCliSchema>;

export interface MilpRunOptions {
  loaded: LoadedModel;
  box: Box;
  threshold: number;
  tightening: "lp" | "interval";
  regionsOut?: string;
  checkpoint?: string;
  resume?: string;
  progress: boolean;
}

/** Catch SIGINT / SIGTERM while `work` runs; `stopped()` tells the work to stop. Sets the exit code if interrupted. */
async function interruptible<T>(work: (stopped: () => boolean) => Promise<T>): Promise<T> {
  let signal: NodeJS.Signals | undefined;
  const on = (s: NodeJS.Signals) => (signal ??= s);
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  try {
    return await work(() => signal !== undefined);
  } finally {
    process.off("SIGINT", on);
    process.off("SIGTERM", on);
    if (signal) process.exitCode = signal === "SIGINT" ? 130 : 143;
  }
}

/** Count regions with the MILP formulation (no-good-free branching over z, see src/milp). */
export async function runMilpCount(opts: MilpRunOptions): Promise<CountResult & { checkpointWritten?: string }> {
  const fingerprint = networkFingerprint(opts.loaded.network);
  // At unit scale, as the engine counts (unitScaleFor, src/count/session.ts); points go back to the model's inputs.
  const problem = unitScaleFor(opts.loaded, opts.box, opts.threshold);
  const net = problem.net;
  const highs = await loadHighs();
  const bounds = tightenedBounds(net, problem.box, highs, opts.tightening);
  let resume: MilpCheckpoint | undefined;
  let regionsBytes = 0;
  if (opts.resume) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(opts.resume, "utf8"));
    } catch {
      throw new UsageError(`${opts.resume}: not a readable checkpoint`);
    }
    if ((json as { format?: unknown } | null)?.format !== "tessera-milp-cli-checkpoint") throw new UsageError(`${opts.resume}: not a checkpoint of tessera count --method milp`);
    const parsed = milpCliSchema.safeParse(json);
    if (!parsed.success) throw new UsageError(`${opts.resume}: damaged checkpoint (${describeSchemaIssue(parsed.error)})`);
    const cp = parsed.data;
    if (contentDigest(json as Record<string, unknown>) !== cp.digest) {
      throw new UsageError(`${opts.resume}: damaged checkpoint (its content digest does not match: the file was changed after tessera wrote it)`);
    }
    if (cp.fingerprint !== fingerprint) throw new UsageError(`${opts.resume}: checkpoint of a different model`);
    if ((cp.regionsFile ?? undefined) !== opts.regionsOut) {
      throw new UsageError(`${opts.resume}: resume with the same --regions as the interrupted run (${cp.regionsFile ?? "none"})`);
    }
    resume = cp.milp;
    regionsBytes = cp.regionsBytes;
  }
  const regionsFile = opts.regionsOut ? openRegionsFile(opts.regionsOut, opts.resume ? regionsBytes : undefined) : undefined;
  const checkpointPath = opts.checkpoint ?? opts.resume;
  let written: string | undefined;
  const bar = new ProgressBar("counting (milp)", opts.progress);
  try {
    const result = await interruptible((stopped) =>
      countRegionsMilp(net, {
        box: problem.box,
        threshold: problem.threshold,
        bounds,
        highs,
        resume,
        shouldStop: stopped,
        onRegion: (r) => {
          if (!regionsFile) return;
          const point = Array.from(toOriginalInput(problem.inputs, r.point)), radius = toOriginalRadius(problem.inputs, r.radius);
          appendRegions(regionsFile, JSON.stringify({ pattern: patternToString(r.pattern), point, radius }) + "\n");
        },
        onProgress: (p) => bar.update(p.regions, p.fraction, `${formatCount(p.lps)} LPs${p.pending !== undefined ? `, ${formatCount(p.pending)} subtrees pending` : ""}`),
        onCheckpoint: (milp) => {
          if (!checkpointPath) return;
          const body = { format: "tessera-milp-cli-checkpoint" as const, fingerprint, regionsFile: opts.regionsOut ?? null, regionsBytes: regionsFile?.bytes ?? 0, milp };
          const cp: MilpCliCheckpoint = { ...body, digest: contentDigest(body) };
          writeFileSync(`${checkpointPath}.tmp`, JSON.stringify(cp));
          renameSync(`${checkpointPath}.tmp`, checkpointPath);
          written = checkpointPath;
        },
      }),
    );
    bar.done();
    return { ...result, threshold: opts.threshold, checkpointWritten: written };
  } finally {
    if (regionsFile) closeSync(regionsFile.fd);
  }
}

export interface MipBoundRunOptions {
  loaded: LoadedModel;
  box: Box;
  threshold: number;
  tightening: "lp" | "interval";
  seed: number;
  trials?: number;
  alpha?: number;
}

/** The MIPBound probabilistic lower bound. */
export async function runMipBound(opts: MipBoundRunOptions): Promise<MipBoundResult> {
  const problem = unitScaleFor(opts.loaded, opts.box, opts.threshold);
  const net = problem.net;
  const highs = await loadHighs();
  const bounds = tightenedBounds(net, problem.box, highs, opts.tightening);
  return interruptible((stopped) =>
    mipBound(net, { box: problem.box, threshold: problem.threshold, bounds, highs, seed: opts.seed, trials: opts.trials, alpha: opts.alpha, shouldStop: stopped }),
  );
}
