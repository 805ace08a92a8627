/**
 * The coordinator's side of a distributed count, usable from the CLI (`tessera count --queue`) and from code
 * (`tessera study --queue`): publish a job (bounds computed once, here, and shipped with it; the deterministic
 * task split seeded as units), follow it until no unit is pending, and assemble the same result a local count
 * gives. A coordinator that dies loses nothing: the job lives in Redis, and {@link CountQueue.awaitCount} on the
 * same job (after {@link CountQueue.resumeJob}) finishes it.
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { CountRunResult } from "../count/session.ts";
import { countingBounds, unitScaleFor } from "../count/session.ts";
import { UsageError } from "../util/errors.ts";
import { DEFAULT_TASK_TARGET, RegionEnumerator, stableUnitReport, type EngineStats } from "../count/engine.ts";
import { highsMarginSolver } from "../lp/highs-margin.ts";
import { patternToString } from "../model/evaluate.ts";
import type { Box, Network } from "../model/network.ts";
import { connectRedis, oneLine, parseQueueUrl, type QueueTarget } from "./connection.ts";
import { checkJobName, jobKeys, UNIT_QUEUE } from "./job-keys.ts";
import { networkFingerprint } from "../model/fingerprint.ts";
import { decodeJob, DEFAULT_UNIT_SECONDS, describeJob, encodeFloats, type JobSpec } from "./job-spec.ts";
import { JobLedger, type JobTotals } from "./ledger.ts";
import { enqueueUnits } from "./unit-queue.ts";

/** A finished job's keys stay this many days (so `--resume` can print it again), then Redis drops them. */
const FINISHED_JOB_DAYS = 7;
/** Milliseconds between looks at the job's totals while waiting. */
const POLL_MS = 250;
/** Milliseconds between looks at the failed set and at the number of workers. */
const SLOW_POLL_MS = 2000;
/** Failed units examined per look. */
const FAILED_PEEK = 200;

/** What to count through the queue. */
export interface CountJobRequest {
  job: string;
  /** The model's name or path, for reports. */
  model: string;
  network: Network;
  box: Box;
  threshold: number;
  tightening: "lp" | "interval";
  /** Time limit of a unit before it splits (default {@link DEFAULT_UNIT_SECONDS}). */
  unitSeconds?: number;
  taskTarget?: number;
}

/** Progress of a job while waiting for it. */
export interface JobProgress {
  totals: JobTotals;
  spec: JobSpec;
  /** Share of the job counted, in [0, 1]. */
  fraction: number;
  /** Worker processes connected to the queue (any job), when known. */
  workers?: number;
}

/** A distributed count's result: what a local count reports, and the queue's own figures. */
export interface QueueCountResult extends CountRunResult {
  queue: {
    job: string;
    units: number;
    splits: number;
    /** Runs whose unit another run had already recorded (counted once). */
    reruns: number;
    /** Seconds of counted units, and of runs abandoned by a split, summed over all workers. */
    unitSeconds: number;
    abandonedSeconds: number;
  };
}

/** A unit of the job failed for good on a worker (the reason is the worker's). */
export class JobFailedError extends Error {
  override name = "JobFailedError";
}

/** How a published job differs from the count asked for (`undefined`: it is that count). */
export function countMismatch(spec: JobSpec, network: Network, box: Box, threshold: number, tightening: "lp" | "interval"): string | undefined {
  if (spec.fingerprint !== networkFingerprint(network)) return `counts another model (${spec.model})`;
  if (spec.threshold !== threshold) return `was published with --threshold ${spec.threshold}`;
  if (spec.tightening !== tightening) return `was published with --tightening ${spec.tightening}`;
  if (spec.box.lo !== encodeFloats(Float64Array.from(box.lo)) || spec.box.hi !== encodeFloats(Float64Array.from(box.hi))) {
    return "was published over a different domain";
  }
  return undefined;
}

/** A connection to the queue, for publishing and following count jobs. */
export class CountQueue {
  private constructor(readonly redis: Redis, readonly queue: Queue, readonly target: QueueTarget) {}

  /** Connect to `redis://…` or `rediss://…` (one-line {@link UsageError} when that fails). */
  static async open(url: string): Promise<CountQueue> {
    const target = parseQueueUrl(url);
    const redis = await connectRedis(target);
    return new CountQueue(redis, new Queue(UNIT_QUEUE, { connection: redis }), target);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }

  /** The published spec of `job`, if there is one. */
  async jobSpec(job: string): Promise<JobSpec | undefined> {
    const text = await this.redis.hget(jobKeys(job).meta, "spec");
    return text === null ? undefined : decodeJob(text, job).spec;
  }

  /**
   * Publish a count: tighten the bounds, split the search, store the job and seed its units. Throws
   * {@link UsageError} if a job of that name exists, unless `reuse` is set and that job is the same count (same
   * model, domain, threshold and tightening): then it is resumed as it is (e.g. a study run again).
   */
  async enqueueCount(req: CountJobRequest, opts: { reuse?: boolean } = {}): Promise<JobSpec> {
    const job = checkJobName(req.job);
    const keys = jobKeys(job);
    const taken = () => new UsageError(`job ${job} already exists on ${this.target.display}: continue it with --resume, or choose another --job`);
    if (await this.redis.exists(keys.meta)) {
      if (!opts.reuse) throw taken();
      const spec = await this.resumeJob(job);
      const problem = countMismatch(spec, req.network, req.box, req.threshold, req.tightening);
      if (problem) throw new UsageError(`job ${job} ${problem}: choose another job name`);
      return spec;
    }
    const created = Date.now();
    // The spec keeps the model's network and box; the bounds and the split are those of its unit-scale form, which
    // every worker rebuilds the same way (see unitScaleFor, src/count/session.ts).
    const problem = unitScaleFor({ path: req.model, network: req.network }, req.box, req.threshold);
    const { highs, bounds, lps: tighteningLps, seconds: tighteningSeconds } = await countingBounds(problem.net, problem.box, req.tightening);
    const enumerator = new RegionEnumerator(problem.net, { box: problem.box, threshold: problem.threshold, bounds, exact: highsMarginSolver(highs) });
    const seeds = enumerator.splitTasks(req.taskTarget ?? DEFAULT_TASK_TARGET).tasks.map(patternToString);
    const spec = describeJob({
      name: job,
      model: req.model,
      threshold: req.threshold,
      tightening: req.tightening,
      unitSeconds: req.unitSeconds ?? DEFAULT_UNIT_SECONDS,
      tasks: seeds.length,
      splitLps: enumerator.stats.lps,
      tighteningLps,
      tighteningSeconds,
      stableUnits: stableUnitReport(req.network, bounds),
    }, req.network, req.box, bounds);
    if (!(await new JobLedger(this.redis, job).create(JSON.stringify(spec), created, seeds))) throw taken();
    await this.seed(job, seeds);
    return spec;
  }

  private async seed(job: string, seeds: string[]): Promise<void> {
    await enqueueUnits(this.queue, job, seeds, 0);
    await this.redis.hset(jobKeys(job).meta, "status", "running");
  }

  /**
   * Make a published job runnable again after its coordinator died: finish its seeding if that was cut short, and
   * retry its units that failed for good. Throws {@link UsageError} if there is no such job.
   */
  async resumeJob(job: string): Promise<JobSpec> {
    const keys = jobKeys(checkJobName(job));
    const [specText, status, seeds] = await this.redis.hmget(keys.meta, "spec", "status", "seeds");
    if (specText === null) throw new UsageError(`no job ${job} on ${this.target.display} (never published, or finished and expired)`);
    const spec = decodeJob(specText, job).spec;
    if (status === "seeding") await this.seed(job, (seeds ?? "").split(","));
    for (const failed of await this.failedUnits(job)) await failed.retry();
    return spec;
  }

  /** BullMQ jobs of `job`'s units that failed for good and that the job still needs. */
  private async failedUnits(job: string) {
    const keys = jobKeys(job);
    const failed = (await this.queue.getFailed(0, FAILED_PEEK - 1)).filter((j) => j?.data?.job === job && typeof j.data.id === "string");
    const needed = [];
    for (const j of failed) {
      const id = j.data.id as string;
      const [inTree, recorded] = await Promise.all([this.redis.hexists(keys.weight, id), this.redis.hexists(keys.outcome, id)]);
      if (inTree && !recorded) needed.push(j);
    }
    return needed;
  }

  /**
   * Wait until every unit of `job` is counted, reporting progress; returns the result a local count gives. With
   * `signal` aborted, returns at once with the partial count (`complete: false`): the job goes on on the workers.
   * Throws {@link JobFailedError} when a unit the job needs has failed for good.
   */
  async awaitCount(job: string, opts: { onProgress?: (p: JobProgress) => void; signal?: AbortSignal } = {}): Promise<QueueCountResult> {
    const keys = jobKeys(job);
    const ledger = new JobLedger(this.redis, job);
    const spec = await this.jobSpec(job);
    if (!spec) throw new UsageError(`no job ${job} on ${this.target.display}`);
    let workers = 0;
    let lastSlow = 0;
    let lastFailed = -1;
    let totals = await ledger.totals();
    while (!opts.signal?.aborted) {
      totals = await ledger.totals();
      if (totals.pending <= 0 && (await this.redis.hget(keys.meta, "status")) !== "seeding") break;
      if (Date.now() - lastSlow >= SLOW_POLL_MS) {
        lastSlow = Date.now();
        workers = Math.max(workers, await this.queue.getWorkersCount().catch(() => 0));
        const failedCount = await this.queue.getFailedCount();
        if (failedCount !== lastFailed) {
          lastFailed = failedCount;
          const [failed] = await this.failedUnits(job);
          if (failed) {
            throw new JobFailedError(
              `unit ${failed.data.id || "(root)"} of job ${job} failed on a worker: ${oneLine(failed.failedReason ?? "no reason given")}` +
                ` (fix the cause, then --resume retries it)`,
            );
          }
        }
      }
      opts.onProgress?.({ totals, spec, fraction: spec.tasks ? totals.doneWeight / spec.tasks : 1, workers: workers || undefined });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const complete = totals.pending <= 0;
    const meta = await this.redis.hgetall(keys.meta);
    let finished = Number(meta.finished ?? 0);
    if (complete && !finished) {
      finished = Date.now();
      await this.redis.hset(keys.meta, { status: "complete", finished, workers });
      const ttl = FINISHED_JOB_DAYS * 86400;
      await this.redis.multi().expire(keys.meta, ttl).expire(keys.outcome, ttl).expire(keys.weight, ttl).expire(keys.runs, ttl).expire(keys.totals, ttl).exec();
    }
    if (complete) workers = Math.max(workers, Number(meta.workers ?? 0));
    const seconds = ((complete ? finished : Date.now()) - Number(meta.created)) / 1000;
    return queueResult(spec, totals, complete, seconds, workers, this.target.display);
  }
}

/** Assemble the local count's result from a job's spec and totals. */
function queueResult(spec: JobSpec, t: JobTotals, complete: boolean, seconds: number, workers: number, where: string): QueueCountResult {
  const stats: EngineStats = {
    regions: t.regions, lps: t.lps + spec.splitLps, witnessHits: t.witnessHits, stepHits: t.stepHits,
    cellRefutations: t.cellRefutations, lpFailures: t.lpFailures, ambiguous: t.ambiguous,
  };
  return {
    method: "engine",
    regions: t.regions,
    stableUnits: spec.stableUnits,
    lps: stats.lps + spec.tighteningLps,
    seconds,
    complete,
    threshold: spec.threshold,
    stats,
    tasks: spec.tasks,
    tasksDone: complete ? spec.tasks : Math.floor(t.doneWeight + 1e-9),
    workers,
    tightening: spec.tightening,
    tighteningSeconds: spec.tighteningSeconds,
    tighteningLps: spec.tighteningLps,
    splitLps: spec.splitLps,
    splitTasks: spec.tasks,
    execution: `queue job ${spec.name} on ${where}` + (workers ? `, ${workers} worker process${workers > 1 ? "es" : ""}` : "") +
      (t.splits ? `, ${t.splits} time split${t.splits > 1 ? "s" : ""}` : ""),
    queue: {
      job: spec.name, units: t.units, splits: t.splits, reruns: t.reruns, unitSeconds: t.unitSeconds, abandonedSeconds: t.abandonedSeconds,
    },
  };
}
