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
import { unitScaleFor } from "./count-runner.ts";
import type { Box } from "../model/network.ts";
import { intervalBounds } from "../tighten/interval.ts";
import { lpBounds } from "../tighten/lp.ts";
import { UsageError } from "./errors.ts";
import { formatCount, ProgressBar } from "./progress.ts";
import { appendRegions, openRegionsFile } from "./regions-file.ts";

interface MilpCliCheckpoint {
  format: "tessera-milp-cli-checkpoint";
  fingerprint: string;
  regionsFile: string | null;
  regionsBytes: number;
  milp: MilpCheckpoint;
}

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
  // At unit scale, as the engine counts (count-runner's unitScaleFor); points go back to the model's inputs.
  const problem = unitScaleFor(opts.loaded, opts.box, opts.threshold);
  const net = problem.net;
  const highs = await loadHighs();
  const bounds = opts.tightening === "lp" ? lpBounds(net, problem.box, highs) : intervalBounds(net, problem.box);
  let resume: MilpCheckpoint | undefined;
  let regionsBytes = 0;
  if (opts.resume) {
    let cp: MilpCliCheckpoint;
    try {
      cp = JSON.parse(readFileSync(opts.resume, "utf8")) as MilpCliCheckpoint;
    } catch {
      throw new UsageError(`${opts.resume}: not a readable checkpoint`);
    }
    if (cp?.format !== "tessera-milp-cli-checkpoint") throw new UsageError(`${opts.resume}: not a checkpoint of tessera count --method milp`);
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
          const cp: MilpCliCheckpoint = { format: "tessera-milp-cli-checkpoint", fingerprint, regionsFile: opts.regionsOut ?? null, regionsBytes: regionsFile?.bytes ?? 0, milp };
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
  const bounds = opts.tightening === "lp" ? lpBounds(net, problem.box, highs) : intervalBounds(net, problem.box);
  return interruptible((stopped) =>
    mipBound(net, { box: problem.box, threshold: problem.threshold, bounds, highs, seed: opts.seed, trials: opts.trials, alpha: opts.alpha, shouldStop: stopped }),
  );
}
