/**
 * `tessera study serra2018`: the MNIST experiment of Serra, Tjandraatmadja & Ramalingam (ICML 2018, Section 7) —
 * rectifier networks 784-N1-N2-10 with N1 + N2 = 22, several seeds per configuration, every region of [0, 1]^784
 * counted exactly, beside the bounds and the training error. Networks run on worker threads (each trains, then
 * counts, single-threaded) or in this thread; every finished network is stored at once, a rerun skips finished
 * networks, and the table and figures are rewritten after each network, so a partial study is readable. Node only.
 */
import { Worker } from "node:worker_threads";
import { formatCount } from "../util/progress.ts";
import { ProgressBar } from "../run/progress-bar.ts";
import { errorFigure, regionsFigure } from "./figures.ts";
import { correlationCsv, correlationMarkdown } from "./correlation.ts";
import { runStudyJob, type JobProgress } from "./network-job.ts";
import { settingsDifferences, studyJobs, type StudyJob, type StudySettings } from "./plan.ts";
import { StudyStore } from "./store.ts";
import { serra2018Upper } from "../bounds/rectifier-upper.ts";
import { partialDir, removePartial } from "./partial.ts";
import { configRows, correlations, networksCsv, summarise, tableCsv, tableMarkdown, type ConfigRow, type NetworkRecord } from "./table.ts";
import type { StudyWorkerReply, StudyWorkerRequest } from "./worker.ts";

/** Options of {@link runSerraStudy}. */
export interface SerraStudyOptions {
  dir: string;
  /** N1 values; N2 = totalUnits − N1. */
  configs: readonly number[];
  /** Networks per configuration (seeds 1…nets). */
  nets: number;
  settings: StudySettings;
  /** Networks in parallel on worker threads; 0 runs them one by one in this thread. */
  workers: number;
  /** Correlations are also given over networks whose hidden layers all have at least this many units. */
  minWidth: number;
  progress: boolean;
  /** Stop handing out networks after this many have finished in this run (for tests and partial runs). */
  maxNetworks?: number;
  /**
   * Count on a Redis work queue (`redis://…`): networks are trained here, `workers` at a time (at least one), and
   * counted by `tessera worker` processes anywhere (src/study/queue-runner.ts).
   */
  queue?: string;
}

/** What a study run did and what the directory now holds. */
export interface SerraStudyResult {
  records: NetworkRecord[];
  rows: ConfigRow[];
  correlation: ReturnType<typeof correlations>;
  planned: number;
  /** Networks finished by this run, and found finished from earlier runs. */
  ran: string[];
  skipped: number;
  complete: boolean;
  /** Set when a signal stopped the run. */
  interrupted?: NodeJS.Signals;
  tableMarkdown: string;
}

/** A network failed a check or crashed: the study stops (its details are in DIR/failed/). */
export class StudyFailure extends Error {
  override name = "StudyFailure";
}

/** Runs one job somewhere and reports its progress. */
export interface JobRunner {
  run(job: StudyJob, onProgress: (p: JobProgress) => void): Promise<{ record: NetworkRecord; modelJson: string }>;
  close(): void;
}

function inProcessRunner(settings: StudySettings, checkpoints: string): JobRunner {
  return { run: (job, onProgress) => runStudyJob(job, settings, onProgress, checkpoints), close: () => {} };
}

/** A worker thread that runs one job at a time. */
function threadRunner(settings: StudySettings, checkpoints: string, queue?: string): JobRunner {
  const worker = new Worker(new URL("./worker-boot.mjs", import.meta.url));
  const ready = new Promise<void>((resolve, reject) => {
    worker.once("error", reject);
    const onReady = (m: StudyWorkerReply) => {
      if (m.type === "ready") {
        worker.off("message", onReady);
        resolve();
      }
    };
    worker.on("message", onReady);
  });
  return {
    async run(job, onProgress) {
      await ready;
      return new Promise((resolve, reject) => {
        const onMessage = (m: StudyWorkerReply) => {
          if (m.type === "ready" || m.id !== job.id) return;
          if (m.type === "progress") onProgress(m.progress);
          else {
            worker.off("message", onMessage);
            worker.off("error", onError);
            worker.off("exit", onExit);
            if (m.type === "done") resolve({ record: m.record, modelJson: m.modelJson });
            else reject(new Error(m.message));
          }
        };
        const onError = (e: Error) => {
          worker.off("message", onMessage);
          worker.off("exit", onExit);
          reject(e);
        };
        const onExit = (code: number) => onError(new Error(`the worker thread stopped (exit code ${code})`));
        worker.on("message", onMessage);
        worker.on("error", onError);
        worker.once("exit", onExit);
        worker.postMessage({ type: "job", job, settings, partialDir: checkpoints, queue } satisfies StudyWorkerRequest);
      });
    },
    close: () => void worker.terminate(),
  };
}

/** Inputs of the study's networks (28 × 28 grey levels). */
const MNIST_INPUTS = 784;

/** Share of a network's time spent training, for the progress estimate (counting dominates on MNIST). */
const TRAIN_SHARE = 0.1;
/**
 * The run's entry in runs.json is rewritten at least this often (and at its start), so a run stopped without a chance
 * to write it (SIGKILL, a machine switched off) loses at most about this much of its recorded wall-clock time.
 */
const RUN_SAVE_SECONDS = 30;

/** Rewrite the tables and figures from the records found in the directory. */
export function writeStudyOutputs(store: StudyStore, records: NetworkRecord[], planned: number, settings: StudySettings, minWidth: number) {
  const rows = configRows(records);
  const correlation = correlations(records, minWidth);
  const runs = store.runs();
  const summary = summarise(records, planned, runs.reduce((s, r) => s + r.seconds, 0), runs.map((r) => r.workers));
  const md = tableMarkdown(rows, correlation, summary, settings);
  store.writeText("table.md", md);
  store.writeText("table.csv", tableCsv(rows));
  store.writeText("networks.csv", networksCsv(records));
  store.writeText("correlations.md", correlationMarkdown(records));
  store.writeText("correlations.csv", correlationCsv(records));
  if (records.length > 0) {
    const nets = `${records.length} networks, ${settings.epochs} epochs`;
    store.writeFigure("regions-vs-bounds", regionsFigure(rows, `784-N1-N2-10 ReLU, mean over seeds with min–max band; ${nets}`));
    const sub = `one point per network, red (narrow first layer) to blue (wide); ${nets}`;
    store.writeFigure("error-vs-regions", errorFigure(records, "train", sub));
    store.writeFigure("test-error-vs-regions", errorFigure(records, "test", sub));
  }
  return { rows, correlation, md };
}

/** Theorem 1 bound of 784-n1-n2 (cached: the estimate below asks for it on every progress update). */
const boundCache = new Map<string, number>();
function serraBound(n1: number, n2: number): number {
  const key = `${n1},${n2}`;
  let b = boundCache.get(key);
  if (b === undefined) boundCache.set(key, (b = Number(serra2018Upper(MNIST_INPUTS, [n1, n2]))));
  return b;
}

/**
 * Expected seconds of a network, for the study's progress: the seconds of the most recently finished network of its
 * configuration (the engine gets faster between runs of a long study, so its oldest networks overstate what is left);
 * for a configuration not reached yet, those latest networks' seconds per unit of the Serra et al. 2018 bound times
 * its bound (counting time grows with the count, and counts are a fairly steady share of that bound); 1 with no record.
 */
export function expectedSeconds(job: { n1: number; n2: number }, finished: Iterable<NetworkRecord>): number {
  return secondsEstimator(finished)(job);
}

/** {@link expectedSeconds} for many jobs over one set of finished networks (the records are read once). */
export function secondsEstimator(finished: Iterable<NetworkRecord>): (job: { n1: number; n2: number }) => number {
  const latest = new Map<string, NetworkRecord>();
  for (const r of finished) {
    const key = `${r.n1},${r.n2}`, prev = latest.get(key);
    if (!prev || r.finishedAt > prev.finishedAt || (r.finishedAt === prev.finishedAt && r.seed > prev.seed)) latest.set(key, r);
  }
  const all = [...latest.values()];
  const perBound = all.reduce((s, r) => s + r.seconds, 0) / all.reduce((s, r) => s + serraBound(r.n1, r.n2), 0);
  return (job) => latest.get(`${job.n1},${job.n2}`)?.seconds ?? (all.length ? perBound * serraBound(job.n1, job.n2) : 1);
}

/**
 * Run (or resume) the study in `options.dir`. Throws {@link StudyFailure} when a network fails a check (count below
 * the digits' distinct patterns, above the stable-unit bound, a digit pattern missing) or crashes.
 */
export async function runSerraStudy(options: SerraStudyOptions): Promise<SerraStudyResult> {
  const { settings } = options;
  const store = new StudyStore(options.dir);
  store.open("serra2018", settings, settingsDifferences);
  const jobs = studyJobs(options.configs, options.nets, settings.totalUnits);
  const records = new Map(store.records().map((r) => [r.id, r]));
  const todo = jobs.filter((j) => !records.has(j.id));
  /** Finished networks of this study's plan (the directory may hold others, from runs with other --configs / --nets). */
  const inStudy = () => jobs.map((j) => records.get(j.id)).filter((r): r is NetworkRecord => r !== undefined);
  const skipped = jobs.length - todo.length;
  const started = new Date().toISOString(), t0 = performance.now();
  const workers = Math.max(0, Math.min(options.workers, todo.length));
  const ran: string[] = [];
  const run = () => ({ started, seconds: (performance.now() - t0) / 1000, networks: ran.length, workers: Math.max(1, workers), complete: ran.length === todo.length });

  const bar = new ProgressBar("study", options.progress);
  const live = new Map<string, { share: number; regions: number; carried: number; phase: string }>();
  let regionsDone = 0;
  /** Regions of networks finished in this run that earlier runs had found (checkpoints): not part of the rate. */
  let carriedDone = 0;
  // The bar covers the whole study (networks of earlier runs included); the ETA is the expected work left over the
  // parallel slots (never less than the longest network left), since this run's elapsed time says nothing about
  // work done by earlier runs.
  const slots = Math.max(1, workers);
  const showProgress = (force = false) => {
    const secondsOf = secondsEstimator(records.values());
    const total = jobs.reduce((s, j) => s + secondsOf(j), 0);
    let done = 0, liveRegions = 0, carried = 0, longest = 0;
    for (const j of jobs) {
      if (records.has(j.id)) done += secondsOf(j);
      else {
        const left = secondsOf(j) * (1 - (live.get(j.id)?.share ?? 0));
        done += secondsOf(j) - left;
        longest = Math.max(longest, left);
      }
    }
    for (const l of live.values()) {
      liveRegions += l.regions;
      carried += l.carried;
    }
    const running = [...live.entries()].map(([id, l]) => `${id} ${l.phase}`).join(", ");
    bar.update(regionsDone + liveRegions, total > 0 ? Math.min(1, done / total) : 1,
      `${ran.length + skipped}/${jobs.length} networks${skipped ? ` (${skipped} from earlier runs)` : ""}${running ? ` | ${running}` : ""}`, force, carried + carriedDone,
      // Without a finished network there is no measure of a network's time yet: the bar's own estimate.
      records.size ? Math.max(longest, Math.max(0, total - done) / slots) : undefined);
  };
  // The run's entry in runs.json between networks: on a timer, and from progress reports (with --workers 0 a count
  // holds the event loop, so only its progress callbacks run). A failed write here is left to the next per-network
  // or final save, which report it.
  let lastRunSave = -Infinity;
  const saveRunNow = () => {
    lastRunSave = performance.now();
    try {
      store.saveRun(run());
    } catch {
      // reported by the next per-network or final save
    }
  };
  const saveRunSometimes = () => {
    if (performance.now() - lastRunSave >= RUN_SAVE_SECONDS * 1000) saveRunNow();
  };
  const onProgress = (job: StudyJob) => (p: JobProgress) => {
    saveRunSometimes();
    if (p.phase === "train") live.set(job.id, { share: (TRAIN_SHARE * p.epoch) / p.epochs, regions: 0, carried: 0, phase: `training ${p.epoch}/${p.epochs}` });
    else {
      const f = p.progress.fraction;
      const prev = live.get(job.id);
      const share = f === undefined ? (prev?.share ?? TRAIN_SHARE) : TRAIN_SHARE + (1 - TRAIN_SHARE) * f;
      live.set(job.id, { share, regions: p.progress.regions, carried: p.progress.resumedRegions ?? 0, phase: `counting ${formatCount(p.progress.regions)}${f === undefined ? "" : ` (${Math.round(100 * f)}% of tasks)`}` });
    }
    showProgress();
  };

  const queueUrl = options.queue;
  // With a queue, networks train on worker threads (at least one) and wait there for the queue's workers; the URL
  // is checked here first, so that a bad one is one usage error rather than a failed network.
  if (queueUrl !== undefined && todo.length) {
    const { CountQueue } = await import("../distributed/count-queue.ts"); // BullMQ loads only for a queued study
    await (await CountQueue.open(queueUrl)).close();
  }
  const runners: JobRunner[] = queueUrl !== undefined
    ? Array.from({ length: Math.max(todo.length ? 1 : 0, workers) }, () => threadRunner(settings, partialDir(options.dir), queueUrl))
    : workers === 0 ? [inProcessRunner(settings, partialDir(options.dir))] : Array.from({ length: workers }, () => threadRunner(settings, partialDir(options.dir)));
  let interrupted: NodeJS.Signals | undefined;
  let failure: StudyFailure | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted ??= sig;
    for (const r of runners) r.close();
  };
  // Worker threads can be stopped at once, and so can following a queue job; in this thread a count cannot be
  // interrupted, so signals keep their default effect there (finished networks are already on disk).
  if (runners.length > 0 && (workers > 0 || queueUrl !== undefined)) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  const limit = options.maxNetworks ?? Infinity;
  let next = 0;
  const stop = () => interrupted !== undefined || failure !== undefined || ran.length + live.size >= limit;
  const slot = async (runner: JobRunner) => {
    while (!stop() && next < todo.length) {
      const job = todo[next++];
      live.set(job.id, { share: 0, regions: 0, carried: 0, phase: "starting" });
      let out: { record: NetworkRecord; modelJson: string };
      try {
        out = await runner.run(job, onProgress(job));
      } catch (e) {
        live.delete(job.id);
        // Closed because of a signal or because another network failed: this network is not at fault.
        if (interrupted || failure) return;
        const message = e instanceof Error ? e.message : String(e);
        store.saveFailure(job.id, { job, error: message, at: new Date().toISOString() });
        failure ??= new StudyFailure(`network ${job.id} failed: ${message} (details in ${store.path("failed")})`);
        for (const r of runners) if (r !== runner) r.close();
        return;
      }
      const carriedHere = live.get(job.id)?.carried ?? 0;
      live.delete(job.id);
      if (out.record.problems.length > 0) {
        store.saveFailure(job.id, { ...out.record }, out.modelJson);
        failure ??= new StudyFailure(`network ${job.id} failed its checks: ${out.record.problems.join("; ")} (details in ${store.path("failed", `${job.id}.json`)})`);
        for (const r of runners) if (r !== runner) r.close();
        return;
      }
      store.saveNetwork(out.record, out.modelJson);
      removePartial(partialDir(options.dir), job.id);
      records.set(job.id, out.record);
      ran.push(job.id);
      regionsDone += out.record.regions;
      carriedDone += carriedHere;
      store.saveRun(run());
      writeStudyOutputs(store, inStudy(), jobs.length, settings, options.minWidth);
      showProgress(true);
    }
  };
  const runTimer = setInterval(saveRunSometimes, RUN_SAVE_SECONDS * 1000);
  runTimer.unref();
  try {
    store.saveRun(run());
    await Promise.all(runners.map(slot));
  } finally {
    clearInterval(runTimer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    for (const r of runners) r.close();
    bar.done();
  }
  store.saveRun(run());
  const final = inStudy();
  const { rows, correlation, md } = writeStudyOutputs(store, final, jobs.length, settings, options.minWidth);
  if (failure) throw failure;
  return {
    records: final,
    rows,
    correlation,
    planned: jobs.length,
    ran,
    skipped,
    complete: final.length === jobs.length,
    interrupted,
    tableMarkdown: md,
  };
}
