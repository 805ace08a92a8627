/**
 * `tessera worker`: pulls units of any job from the shared queue and runs them on N threads. Each unit's outcome is
 * written once (the job's ledger); a split unit's children are enqueued only after its split is recorded, so a unit
 * that two workers ran (one of them thought dead) is counted once and its children are never orphans. A malformed
 * unit is rejected to BullMQ's failed set with a one-line reason; the worker goes on.
 */
import { hostname } from "node:os";
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { connectRedis, oneLine, type QueueTarget } from "./connection.ts";
import { DEFAULT_LOCK_SECONDS, jobKeys, UNIT_QUEUE } from "./job-keys.ts";
import { decodeJob, MalformedJobError, type DecodedJob } from "./job-spec.ts";
import { JobLedger } from "./ledger.ts";
import { MalformedUnitError, parseUnitMessage, type UnitMessage } from "./unit-message.ts";
import { UnitAbortedError, UnitPool } from "./unit-pool.ts";
import { taskProblem } from "./unit-run.ts";
import { enqueueUnits } from "./unit-queue.ts";
import type { ThreadJob } from "./unit-thread.ts";
import { ScaleError, unitScaleProblem } from "../model/normalise.ts";

/**
 * A unit whose worker died this many times is failed (a unit that kills every worker that runs it, e.g. out of
 * memory, must not go round forever).
 */
const MAX_STALLS = 5;
/** Decoded jobs kept by a worker process. */
const JOBS_KEPT = 16;

export interface QueueWorkerOptions {
  target: QueueTarget;
  /** Worker threads (units run at the same time). */
  concurrency: number;
  /** Unit lock duration in seconds (default {@link DEFAULT_LOCK_SECONDS}); stalled checks run twice as often. */
  lockSeconds?: number;
  /** One line per event worth logging. */
  log: (line: string) => void;
}

/** Counters of what a worker did. */
export interface QueueWorkerStats {
  counted: number;
  split: number;
  /** Units whose outcome another run had already recorded. */
  alreadyRecorded: number;
  failed: number;
}

/** A running worker. */
export interface QueueWorkerHandle {
  stats: QueueWorkerStats;
  /** Stop taking units; units running now go back to the queue at once. */
  stop(): Promise<void>;
}

interface LoadedJob {
  /** Name and creation time: what the threads key their enumerators by. */
  key: string;
  decoded: DecodedJob;
  thread: ThreadJob;
}

/** Start a worker on the queue at `opts.target`. */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const redis = await connectRedis(opts.target);
  const queue = new Queue(UNIT_QUEUE, { connection: redis });
  const pool = new UnitPool(opts.concurrency, opts.log);
  const jobs = new Map<string, Promise<LoadedJob>>();
  const stats: QueueWorkerStats = { counted: 0, split: 0, alreadyRecorded: 0, failed: 0 };

  /**
   * The job's decoded spec, cached under its name and creation time: a job published again under the same name
   * (after the old one expired or was deleted) is read afresh. One round trip per unit to read the time.
   */
  const loadJob = async (name: string): Promise<LoadedJob> => {
    const created = await redis.hget(jobKeys(name).meta, "created");
    if (created === null) throw missingJob(name);
    const key = `${name}@${created}`;
    let p = jobs.get(key);
    if (!p) {
      p = readJob(redis, name, key);
      jobs.set(key, p);
      p.catch(() => jobs.delete(key));
      if (jobs.size > JOBS_KEPT) jobs.delete(jobs.keys().next().value!);
    }
    return p;
  };

  const processUnit = async (bull: Job, token?: string): Promise<string> => {
    let unit: UnitMessage;
    let job: LoadedJob;
    try {
      unit = parseUnitMessage(bull.data);
      job = await loadJob(unit.job);
      const problem = taskProblem(job.decoded.network, unit.task);
      if (problem) throw new MalformedUnitError(`malformed unit: ${problem}`);
    } catch (err) {
      if (err instanceof MalformedUnitError || err instanceof MalformedJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
    const ledger = new JobLedger(redis, unit.job);
    // Only units of the job's tree count (seeds and recorded splits' children); the ledger refuses others atomically too.
    if (!(await ledger.inTree(unit.id))) {
      throw new UnrecoverableError(`malformed unit: "${unit.id.slice(0, 40)}" is not a unit of job ${unit.job}'s task tree`);
    }
    const known = await ledger.outcome(unit.id);
    if (known) {
      // Already recorded by another run; if it was split, its children may not have been enqueued yet.
      stats.alreadyRecorded++;
      if (known.kind === "split") await enqueueUnits(queue, unit.job, known.children, unit.depth + 1);
      return "recorded before";
    }
    let run;
    try {
      run = await pool.run(job.key, () => job.thread, unit.task, job.decoded.spec.unitSeconds);
    } catch (err) {
      if (err instanceof UnitAbortedError && token) {
        await bull.moveToWait(token);
        throw new WaitingError();
      }
      throw err;
    }
    const unrecoverable = <T>(p: Promise<T>) =>
      p.catch((err: unknown) => {
        throw err instanceof MalformedUnitError ? new UnrecoverableError(err.message) : err;
      });
    if (run.kind === "counted") {
      if (await unrecoverable(ledger.markCounted(unit.id, run.result, run.seconds))) stats.counted++;
      else stats.alreadyRecorded++;
      return `counted ${run.result.regions}`;
    }
    if (await unrecoverable(ledger.markSplit(unit.id, run.children, run.seconds, run.lps))) {
      stats.split++;
      await enqueueUnits(queue, unit.job, run.children, unit.depth + 1);
      return `split into ${run.children.length}`;
    }
    stats.alreadyRecorded++;
    return "recorded before";
  };

  const lockMs = Math.round((opts.lockSeconds ?? DEFAULT_LOCK_SECONDS) * 1000);
  const worker = new Worker(UNIT_QUEUE, processUnit, {
    connection: redis,
    // Shown as the `processedBy` of the units it runs, and in the queue's list of workers.
    name: `${hostname()}:${process.pid}`,
    concurrency: opts.concurrency,
    lockDuration: lockMs,
    stalledInterval: Math.max(100, Math.round(lockMs / 2)),
    maxStalledCount: MAX_STALLS,
  });
  worker.on("failed", (bull, err) => {
    stats.failed++;
    const retry = bull && err.name !== "UnrecoverableError" && bull.attemptsMade < (bull.opts.attempts ?? 1) ? " (will retry)" : "";
    opts.log(`unit ${bull?.id ?? "?"} failed${retry}: ${oneLine(err.message)}`);
  });
  worker.on("error", (err) => opts.log(`queue: ${oneLine(err.message)}`));
  await worker.waitUntilReady();

  let stopping: Promise<void> | undefined;
  return {
    stats,
    stop: () => {
      stopping ??= (async () => {
        const closing = worker.close();
        await pool.close();
        await closing;
        await queue.close();
        redis.disconnect();
      })();
      return stopping;
    },
  };
}

/** The error of a unit whose job is not in Redis. */
function missingJob(name: string): MalformedJobError {
  return new MalformedJobError(`job ${name} is not on this queue (never published, or finished and expired)`);
}

/** Read and decode a job's spec; a job that is not there is a malformed reference. */
async function readJob(redis: Redis, name: string, key: string): Promise<LoadedJob> {
  const text = await redis.hget(jobKeys(name).meta, "spec");
  if (text === null) throw missingJob(name);
  const decoded = decodeJob(text, name);
  // The unit-scale form the coordinator split and tightened (the spec's bounds are that form's).
  let problem;
  try {
    problem = unitScaleProblem(decoded.network, decoded.box, decoded.spec.threshold);
  } catch (err) {
    if (err instanceof ScaleError) throw new MalformedJobError(`job ${name}: ${err.message}`);
    throw err;
  }
  return {
    key,
    decoded,
    thread: { network: problem.net, box: problem.box, threshold: problem.threshold, bounds: decoded.bounds },
  };
}
