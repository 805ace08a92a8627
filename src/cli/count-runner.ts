/**
 * Runs the fast engine for `tessera count`: bound tightening, the task split, tasks in this thread or on worker
 * threads, regions streamed to a JSON-lines file in task order, progress on stderr, a checkpoint written every few
 * seconds and on SIGINT / SIGTERM, and resumption from it. The count never depends on the number of workers: the
 * split is fixed by the network, the domain, the threshold and the task target.
 */
import { closeSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import { DEFAULT_TASK_TARGET, PLAIN_SEARCH, RegionEnumerator, stableUnitReport, type EngineStats, type Task } from "../count/engine.ts";
import { executeTask, splitDigest, type TaskCollect, type TaskResult } from "../count/task.ts";
import type { CountResult } from "../count/types.ts";
import { PartitionVerifier, type VerifyReport } from "../count/verify.ts";
import type { LoadedModel } from "../io/load.ts";
import { highsMarginSolver } from "../lp/highs-margin.ts";
import { addProfile, profileReport, profileSnapshot, type LpProfileReport } from "../lp/profile.ts";
import { loadHighs, type Highs } from "../lp/highs.ts";
import { patternToString } from "../model/evaluate.ts";
import { networkFingerprint } from "../model/fingerprint.ts";
import { ScaleError, unitScaleProblem, type UnitScaleProblem } from "../model/normalise.ts";
import type { Box, Network } from "../model/network.ts";
import { intervalBounds, type PreActivationBounds } from "../tighten/interval.ts";
import { lpBounds } from "../tighten/lp.ts";
import { unitsSeenUnstable } from "../tighten/sampled.ts";
import { UsageError } from "./errors.ts";
import { checkCheckpointSplit, readCheckpoint, sealCheckpoint, type Checkpoint } from "./checkpoint.ts";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./count-worker.ts";
import { formatCount, ProgressBar } from "./progress.ts";
import { appendRegions, openRegionsFile } from "./regions-file.ts";

/** Seconds between checkpoint writes while counting. */
const CHECKPOINT_EVERY_SECONDS = 5;

export interface CountRunOptions {
  loaded: LoadedModel;
  box: Box;
  threshold: number;
  workers: number;
  tightening: "lp" | "interval";
  taskTarget?: number;
  regionsOut?: string;
  affine?: boolean;
  checkpoint?: string;
  resume?: string;
  verify?: boolean;
  verifySamples?: number;
  progress: boolean;
  /** Seconds between checkpoint writes (default {@link CHECKPOINT_EVERY_SECONDS}). */
  checkpointEverySeconds?: number;
  /** Count only the tasks of the split whose index is ≡ index (mod count) (static sharding). */
  shard?: { index: number; count: number };
  /** The plain search, every acceleration off ({@link PLAIN_SEARCH}): the same count, slower; a cross-check. */
  plain?: boolean;
  /** Profile the LPs (src/lp/profile.ts) of the tasks run here; the result's `profile`. */
  profile?: boolean;
}

export interface CountRunResult extends CountResult {
  stats: EngineStats;
  tasks: number;
  tasksDone: number;
  workers: number;
  tightening: "lp" | "interval";
  verify?: VerifyReport;
  checkpointWritten?: string;
  /** Part of `seconds` spent loading HiGHS and tightening pre-activation bounds. */
  tighteningSeconds: number;
  /** LPs of the bound tightening and of the task split (both included in `lps`). */
  tighteningLps: number;
  splitLps: number;
  /** Tasks of the whole split (`tasks` counts only a shard's when sharded). */
  splitTasks: number;
  /** How the count was run, when not by local worker threads (queue, merged shards): replaces the worker count in reports. */
  execution?: string;
  /** How to continue an unfinished count, when not from a checkpoint file. */
  resumeHint?: string;
  /** Counted by the plain search (`--plain`). */
  plain?: boolean;
  /** {@link splitDigest} of the whole task split (sharded counts: merge checks that parts share it). */
  splitDigest?: string;
  /** This run's tasks (their decisions) and each one's regions (0 while not done), in split order. */
  perTask?: [string, number][];
  /** With `profile`: the LP profile of the tasks run here (src/lp/profile.ts). */
  profile?: LpProfileReport;
}

function sameBox(box: Box, saved: { lo: number[]; hi: number[] }): boolean {
  return (
    saved.lo.length === box.lo.length &&
    saved.lo.every((v, j) => v === box.lo[j]) &&
    saved.hi.every((v, j) => v === box.hi[j])
  );
}

/** HiGHS and the pre-activation bounds a count runs with, and what computing them cost. */
export interface CountingBounds {
  highs: Highs;
  bounds: PreActivationBounds;
  /** LPs solved for the bounds (0 with interval tightening). */
  lps: number;
  /** Seconds spent loading HiGHS and computing the bounds. */
  seconds: number;
}

/**
 * Load HiGHS and compute the pre-activation bounds `tessera count` uses: LP tightening (counting needs stability
 * only, so last-layer units that sample points show taking both signs skip their LPs) or interval arithmetic.
 * The tree the engine explores depends on these bounds, so every part of one count must use the same ones.
 */
export async function countingBounds(
  net: Network,
  box: Box,
  tightening: "lp" | "interval",
  baselineWasm = false,
): Promise<CountingBounds> {
  const t0 = Date.now();
  // With `baselineWasm` (only `tessera count`, a single thread at this point, calls it so): the engine asks HiGHS
  // only for a few tightening LPs and rare borderline LPs, so compiling HiGHS's wasm with V8's baseline tier only
  // avoids ~0.3 s of optimising compilation that otherwise competes with the engine's own JIT (random-2-32-32-s5
  // from a cold process: 0.69 s → 0.34 s). V8's flags are process-wide and a module compiled under --liftoff-only
  // never tiers up (V8 also shares compiled modules between threads), so the flags are restored at once, and
  // MarginLP's pivot kernel, compiled when the engine was imported, keeps its optimising tier (4× faster). Studies,
  // whose threads run this concurrently, and the queue coordinator leave the flags alone.
  if (baselineWasm) setFlagsFromString("--liftoff-only");
  try {
    const highs = await loadHighs();
    const tightenStats = { lps: 0 };
    const bounds: PreActivationBounds =
      tightening === "lp"
        ? lpBounds(net, box, highs, { stats: tightenStats, knownUnstable: unitsSeenUnstable(net, box) })
        : intervalBounds(net, box);
    return { highs, bounds, lps: tightenStats.lps, seconds: (Date.now() - t0) / 1000 };
  } finally {
    if (baselineWasm) {
      // --liftoff-only also switched dynamic tiering off: both are restored.
      setFlagsFromString("--no-liftoff-only");
      setFlagsFromString("--wasm-dynamic-tiering");
    }
  }
}

/** The tasks of shard `index` of `count`: those whose index in the split is ≡ index (mod count). */
export function shardTasks<T>(tasks: T[], shard: { index: number; count: number } | undefined): T[] {
  return shard ? tasks.filter((_, i) => i % shard.count === shard.index) : tasks;
}

/**
 * The counting problem of a loaded model at unit scale ({@link unitScaleProblem}); a problem that no rescaling brings
 * into floating-point range is refused with one line naming the model.
 */
export function unitScaleFor(loaded: Pick<LoadedModel, "network" | "path">, box: Box, threshold: number): UnitScaleProblem {
  try {
    return unitScaleProblem(loaded.network, box, threshold);
  } catch (err) {
    if (err instanceof ScaleError) throw new UsageError(`${loaded.path}: ${err.message}`);
    throw err;
  }
}

/** Count with the fast engine, as `tessera count` does. */
export async function runEngineCount(opts: CountRunOptions): Promise<CountRunResult> {
  const t0 = Date.now();
  // The network and box at unit scale (the identity on [0, 1] and [−1, 1] boxes): every tolerance, from the bound
  // tightening's to the interior threshold, judges this form; points and maps are given back in the model's inputs.
  const problem = unitScaleFor(opts.loaded, opts.box, opts.threshold);
  const net = problem.net;
  const { highs, bounds, lps: tighteningLps, seconds: tighteningSeconds } = await countingBounds(net, problem.box, opts.tightening, true);
  const tightenStats = { lps: tighteningLps };
  const enumerator = new RegionEnumerator(net, {
    box: problem.box,
    threshold: problem.threshold,
    bounds,
    exact: highsMarginSolver(highs),
    ...(opts.plain ? PLAIN_SEARCH : {}),
  });
  const fingerprint = networkFingerprint(opts.loaded.network);

  // Tasks: from the checkpoint being resumed, or a fresh split.
  let tasks: Task[];
  let done: (number[] | null)[];
  let splitLps: number;
  let splitTaskCount: number;
  let digest: string;
  const shardLabel = opts.shard ? `${opts.shard.index}/${opts.shard.count}` : null;
  let previousSeconds = 0;
  let regionsBytes = 0;
  if (opts.resume) {
    const cp = readCheckpoint(opts.resume);
    if (cp.fingerprint !== fingerprint) throw new UsageError(`${opts.resume}: checkpoint of a different model (${cp.model})`);
    if (cp.threshold !== opts.threshold) throw new UsageError(`${opts.resume}: checkpoint made with --threshold ${cp.threshold}`);
    if (cp.tightening !== opts.tightening) throw new UsageError(`${opts.resume}: checkpoint made with --tightening ${cp.tightening}`);
    if (!sameBox(opts.box, cp.box)) throw new UsageError(`${opts.resume}: checkpoint made over a different domain`);
    if ((cp.plain ?? false) !== (opts.plain ?? false)) {
      throw new UsageError(`${opts.resume}: checkpoint made ${cp.plain ? "with" : "without"} --plain; resume it the same way`);
    }
    if ((cp.shard ?? null) !== shardLabel) {
      throw new UsageError(`${opts.resume}: checkpoint made ${cp.shard ? `with --shard ${cp.shard}` : "without --shard"}`);
    }
    if ((cp.regionsFile ?? undefined) !== opts.regionsOut) {
      throw new UsageError(`${opts.resume}: resume with the same --regions as the interrupted run (${cp.regionsFile ?? "none"})`);
    }
    // The split is recomputed (a few LPs) and must be the checkpoint's: its tasks, their number and digest.
    const before = enumerator.stats.lps;
    const all = enumerator.splitTasks(opts.taskTarget ?? DEFAULT_TASK_TARGET).tasks;
    splitLps = enumerator.stats.lps - before;
    digest = splitDigest(all);
    tasks = shardTasks(all, opts.shard);
    checkCheckpointSplit(opts.resume, cp, net, all, tasks, digest);
    done = cp.done;
    splitTaskCount = all.length;
    previousSeconds = cp.elapsedSeconds;
    regionsBytes = cp.regionsBytes;
  } else {
    const before = enumerator.stats.lps;
    const all = enumerator.splitTasks(opts.taskTarget ?? DEFAULT_TASK_TARGET).tasks;
    tasks = shardTasks(all, opts.shard);
    splitTaskCount = all.length;
    digest = splitDigest(all);
    splitLps = enumerator.stats.lps - before;
    done = tasks.map(() => null);
  }

  // Regions file: truncated to what the checkpoint recorded (resume) or emptied (fresh run).
  const regionsFile = opts.regionsOut ? openRegionsFile(opts.regionsOut, opts.resume ? regionsBytes : undefined) : undefined;
  const ordered = regionsFile !== undefined;
  const inputs = problem.inputs.identity ? undefined : { scale: Array.from(problem.inputs.scale), shift: Array.from(problem.inputs.shift) };
  const collect: TaskCollect = { lines: ordered, affine: opts.affine, records: opts.verify, inputs, profile: opts.profile };
  const profileTotal = opts.profile ? new Float64Array(profileSnapshot().length) : undefined;
  const verifier = opts.verify
    ? new PartitionVerifier(net, problem.box, { samples: opts.verifySamples })
    : undefined;
  if (verifier && opts.resume) throw new UsageError("--verify needs a run from the start (not --resume): it checks every region");

  const totals: EngineStats = { regions: 0, lps: splitLps, witnessHits: 0, stepHits: 0, cellRefutations: 0, ambiguous: 0, lpFailures: 0 };
  for (const d of done) if (d) addTotals(totals, d);
  let tasksDone = done.filter(Boolean).length;
  const pendingResults = new Map<number, TaskResult>();
  let nextToWrite = 0;
  while (nextToWrite < tasks.length && done[nextToWrite]) nextToWrite++;
  const live = new Map<number, number>();
  const checkpointPath = opts.checkpoint ?? opts.resume;
  let lastCheckpoint = Date.now();
  const bar = new ProgressBar("counting", opts.progress);

  const writeCheckpoint = (complete: boolean): string | undefined => {
    if (!checkpointPath) return undefined;
    const cp: Checkpoint = sealCheckpoint({
      format: "tessera-count-checkpoint",
      version: 1,
      model: opts.loaded.path,
      fingerprint,
      threshold: opts.threshold,
      tightening: opts.tightening,
      box: { lo: Array.from(opts.box.lo), hi: Array.from(opts.box.hi) },
      ...(opts.plain ? { plain: true } : {}),
      splitLps,
      shard: shardLabel,
      splitTasks: splitTaskCount,
      splitDigest: digest,
      tasks: tasks.map(patternToString),
      done,
      regionsFile: opts.regionsOut ?? null,
      regionsBytes: regionsFile?.bytes ?? 0,
      elapsedSeconds: previousSeconds + (Date.now() - t0) / 1000,
      complete,
    });
    const tmp = `${checkpointPath}.tmp`;
    writeFileSync(tmp, JSON.stringify(cp));
    renameSync(tmp, checkpointPath);
    return checkpointPath;
  };

  const record = (index: number, r: TaskResult) => {
    done[index] = [r.regions, r.lps, r.witnessHits, r.ambiguous, r.lpFailures, r.stepHits, r.cellRefutations];
    addTotals(totals, done[index]!);
    if (profileTotal && r.profile) addProfile(profileTotal, r.profile);
    tasksDone++;
  };
  const finishTask = (index: number, r: TaskResult) => {
    live.delete(index);
    if (verifier && r.patterns && r.points && r.radii) {
      const n0 = net.inputDim;
      r.patterns.forEach((p, k) => verifier.add(p, r.points!.subarray(k * n0, (k + 1) * n0), r.radii![k]));
    }
    if (!ordered) record(index, r);
    else {
      pendingResults.set(index, r);
      while (nextToWrite < tasks.length && (done[nextToWrite] || pendingResults.has(nextToWrite))) {
        const res = pendingResults.get(nextToWrite);
        if (res) {
          pendingResults.delete(nextToWrite);
          appendRegions(regionsFile!, res.lines ?? "");
          record(nextToWrite, res);
        }
        nextToWrite++;
      }
    }
    if (Date.now() - lastCheckpoint > (opts.checkpointEverySeconds ?? CHECKPOINT_EVERY_SECONDS) * 1000) {
      writeCheckpoint(false);
      lastCheckpoint = Date.now();
    }
    showProgress();
  };
  const showProgress = (force = false) => {
    let liveRegions = 0; // regions of tasks still running
    for (const v of live.values()) liveRegions += v;
    bar.update(
      totals.regions + liveRegions,
      tasks.length ? tasksDone / tasks.length : 1,
      `${formatCount(tasksDone)}/${formatCount(tasks.length)} tasks, ${formatCount(tasks.length - tasksDone)} pending`,
      force,
    );
  };

  // Interruption: stop handing out tasks, keep finished work, write the checkpoint.
  let interrupted: NodeJS.Signals | undefined;
  let stopWorkers: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = sig;
    stopWorkers?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const cpuBefore = process.cpuUsage(); // for the profile: the tasks' CPU time, every thread of the process
  const queue: number[] = [];
  for (let i = 0; i < tasks.length; i++) if (!done[i]) queue.push(i);
  const workers = Math.max(1, Math.min(opts.workers, queue.length || 1));
  try {
    if (workers <= 1) {
      for (const index of queue) {
        if (interrupted) break;
        const r = executeTask(enumerator, tasks[index], collect, (n) => {
          live.set(index, n);
          showProgress();
        });
        finishTask(index, r);
        // Let signals and stream writes through between tasks.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } else {
      await runOnWorkers(workers, queue, tasks, { type: "init", net, box: problem.box, threshold: problem.threshold, bounds, collect, plain: opts.plain ?? false }, {
        onDone: finishTask,
        onTick: (index, n) => {
          live.set(index, n);
          showProgress();
        },
        setStop: (stop) => (stopWorkers = stop),
        stopped: () => interrupted !== undefined,
      });
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (regionsFile) closeSync(regionsFile.fd);
  }
  showProgress(true);
  bar.done();
  const complete = tasksDone === tasks.length;
  const checkpointWritten = writeCheckpoint(complete);
  if (interrupted) process.exitCode = interrupted === "SIGINT" ? 130 : 143;
  const seconds = previousSeconds + (Date.now() - t0) / 1000;
  const verify = verifier && complete ? verifier.finish() : undefined;
  return {
    method: "engine",
    ...(opts.plain ? { plain: true } : {}),
    regions: totals.regions,
    stableUnits: stableUnitReport(net, bounds),
    lps: totals.lps + tightenStats.lps,
    seconds,
    complete,
    threshold: opts.threshold,
    stats: totals,
    tasks: tasks.length,
    tasksDone,
    workers,
    tightening: opts.tightening,
    verify,
    checkpointWritten,
    tighteningSeconds,
    tighteningLps: tightenStats.lps,
    splitLps,
    splitTasks: splitTaskCount,
    splitDigest: digest,
    perTask: tasks.map((t, i): [string, number] => [patternToString(t), done[i]?.[0] ?? 0]),
    ...(profileTotal ? { profile: { ...profileReport(profileTotal, true), cpuSeconds: cpuSecondsSince(cpuBefore) } } : {}),
  };
}

/** User + system CPU seconds of the whole process (all its threads) since `before`. */
function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(before);
  return Number(((d.user + d.system) / 1e6).toFixed(3));
}

function addTotals(t: EngineStats, d: number[]): void {
  t.regions += d[0];
  t.lps += d[1];
  t.witnessHits += d[2];
  t.ambiguous += d[3];
  t.lpFailures += d[4];
  t.stepHits += d[5] ?? 0;
  t.cellRefutations += d[6] ?? 0;
}

interface PoolHooks {
  onDone: (index: number, r: TaskResult) => void;
  onTick: (index: number, regions: number) => void;
  setStop: (stop: () => void) => void;
  stopped: () => boolean;
}

/** Hand tasks to `count` worker threads, one at a time each, until the queue is empty or the run is stopped. */
function runOnWorkers(count: number, queue: number[], tasks: Task[], init: WorkerInit, hooks: PoolHooks): Promise<void> {
  return new Promise((resolve, reject) => {
    const pool: Worker[] = [];
    let next = 0;
    let running = 0;
    let finished = false;
    const end = (err?: Error) => {
      if (finished) return;
      finished = true;
      for (const w of pool) void w.terminate();
      if (err) reject(err);
      else resolve();
    };
    hooks.setStop(() => end());
    const feed = (w: Worker) => {
      if (hooks.stopped()) return end();
      if (next >= queue.length) {
        if (running === 0) end();
        return;
      }
      const index = queue[next++];
      running++;
      w.postMessage({ type: "task", index, task: tasks[index] } satisfies WorkerRequest);
    };
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL("./count-worker-boot.mjs", import.meta.url));
      pool.push(w);
      w.on("message", (msg: WorkerReply) => {
        if (finished) return;
        if (msg.type === "ready") feed(w);
        else if (msg.type === "tick") hooks.onTick(msg.index, msg.regions);
        else if (msg.type === "done") {
          running--;
          hooks.onDone(msg.index, msg.result);
          if (next >= queue.length && running === 0) end();
          else feed(w);
        } else if (msg.type === "error") end(new Error(`worker: ${msg.message}`));
      });
      w.on("error", (err) => end(err instanceof Error ? err : new Error(String(err))));
      w.postMessage(init);
    }
  });
}
