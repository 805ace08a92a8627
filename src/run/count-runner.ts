/**
 * Runs the fast engine for `tessera count` (Node executor of a counting session, src/count/session.ts): the plan
 * (bound tightening, the task split), tasks in this thread or on worker threads, regions streamed to a JSON-lines
 * file in task order, progress on stderr, a checkpoint written every few seconds and on SIGINT / SIGTERM, and
 * resumption from it. The count never depends on the number of workers: the split is fixed by the network, the
 * domain, the threshold and the task target.
 */
import { closeSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { stableUnitReport, type EngineStats, type Task } from "../count/engine.ts";
import { checkCheckpointSplit, sealCheckpoint, type Checkpoint } from "../count/checkpoint.ts";
import { countSpec, planCount, type CountProgressEvent, type CountRunResult, type Tightening } from "../count/session.ts";
import { executeTask, type TaskCollect, type TaskResult } from "../count/task.ts";
import { PartitionVerifier } from "../count/verify.ts";
import type { LoadedModel } from "../io/load.ts";
import { highsMarginSolver } from "../lp/highs-margin.ts";
import { addProfile, profileReport, profileSnapshot } from "../lp/profile.ts";
import { patternToString } from "../model/evaluate.ts";
import type { Box } from "../model/network.ts";
import { UsageError } from "../util/errors.ts";
import { formatCount } from "../util/progress.ts";
import { withBaselineWasm } from "./baseline-wasm.ts";
import { readCheckpoint, writeCheckpointFile } from "./checkpoint-file.ts";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./count-worker.ts";
import { ProgressBar } from "./progress-bar.ts";
import { appendRegions, openRegionsFile } from "./regions-file.ts";

export type { CountRunResult } from "../count/session.ts";

/** Seconds between checkpoint writes while counting. */
const CHECKPOINT_EVERY_SECONDS = 5;

export interface CountRunOptions {
  loaded: LoadedModel;
  box: Box;
  threshold: number;
  workers: number;
  tightening: Tightening;
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
  /** Called with the progress whenever the bar would be redrawn (an embedding program's own display). */
  onProgress?: (p: CountProgressEvent) => void;
  /** Profile the LPs (src/lp/profile.ts) of the tasks run here; the result's `profile`. */
  profile?: boolean;
}

function sameBox(box: Box, saved: { lo: number[]; hi: number[] }): boolean {
  return (
    saved.lo.length === box.lo.length &&
    saved.lo.every((v, j) => v === box.lo[j]) &&
    saved.hi.every((v, j) => v === box.hi[j])
  );
}

/** Count with the fast engine, as `tessera count` does. */
export async function runEngineCount(opts: CountRunOptions): Promise<CountRunResult> {
  const t0 = Date.now();
  const spec = countSpec({ box: opts.box, threshold: opts.threshold, tightening: opts.tightening, taskTarget: opts.taskTarget, plain: opts.plain, method: "engine" });
  const plan = await planCount(opts.loaded, spec, { exact: highsMarginSolver, shard: opts.shard, around: withBaselineWasm });
  const { problem, enumerator, bounds, fingerprint, tasks, digest, splitLps } = plan;
  const net = problem.net;
  const tightenStats = { lps: plan.tighteningLps };
  const tighteningSeconds = plan.tighteningSeconds;
  const splitTaskCount = plan.allTasks.length;
  const shardLabel = opts.shard ? `${opts.shard.index}/${opts.shard.count}` : null;

  // Task records: from the checkpoint being resumed (checked against the split just made), or none done.
  let done: (number[] | null)[];
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
    // The split (recomputed: a few LPs) must be the checkpoint's: its tasks, their number and digest.
    checkCheckpointSplit(opts.resume, cp, net, plan.allTasks, tasks, digest);
    done = cp.done;
    previousSeconds = cp.elapsedSeconds;
    regionsBytes = cp.regionsBytes;
  } else {
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
    writeCheckpointFile(checkpointPath, cp);
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
    opts.onProgress?.({ regions: totals.regions + liveRegions, tasksDone, tasks: tasks.length });
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
