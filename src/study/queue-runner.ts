/**
 * `tessera study serra2018 --queue URL`: the study's networks are trained here and counted by `tessera worker`
 * processes on any hosts, through the same Redis work queue as `tessera count --queue` (src/distributed/). Each
 * network is one queue job named after the study and the network's weights, so a study run again (or on another
 * coordinator) takes over the jobs it published instead of counting twice. Node only.
 */
import { CountQueue } from "../distributed/count-queue.ts";
import { decodeJob } from "../distributed/job-spec.ts";
import type { Box, Network } from "../model/network.ts";
import type { CountProgress } from "../count/types.ts";
import { patternsOf, studyBoundsOf, type RegionAnalysis } from "./analyse.ts";
import { finishStudyJob, probeDigits, trainStudyNetwork, type JobOutput, type JobProgress } from "./network-job.ts";
import type { StudyJob, StudySettings } from "./plan.ts";

/** A count on the queue stopped being followed (a signal): the job goes on on the workers. */
export class QueueCountStopped extends Error {
  override name = "QueueCountStopped";
}

/**
 * The queue job of one network: the study's job id, the first 12 hex digits of the weights' fingerprint, and the
 * threshold's exponent digits (studies with other thresholds on one Redis get other jobs). At most 64 characters.
 */
export function studyQueueJobName(job: StudyJob, fingerprint: string, threshold: number): string {
  const t = threshold.toExponential().replace(/[^0-9a-z-]/gi, "");
  return `serra2018-${job.id}-${fingerprint.slice(0, 12)}-t${t}`.slice(0, 64);
}

/**
 * Count `net`'s regions in `box` on the queue and compute what {@link analyseRegions} computes. The digits' patterns
 * are only counted (workers report numbers, not patterns): `probePatternsMissed` is null, and the study checks
 * `regions ≥ probePatterns` and the bounds. A job of that name that counts the same network is taken over.
 */
export async function analyseRegionsOnQueue(
  queue: CountQueue,
  jobName: string,
  net: Network,
  box: Box,
  probes: { x: Float32Array | Float64Array; count: number },
  options: { threshold: number; onProgress?: (p: CountProgress) => void; signal?: AbortSignal },
): Promise<RegionAnalysis> {
  const t0 = performance.now();
  const spec = await queue.enqueueCount({ job: jobName, model: jobName, network: net, box, threshold: options.threshold, tightening: "lp" }, { reuse: true });
  // The coordinator's LP-tightened bounds travel with the job: the stable-unit bound uses the very bounds the count used.
  const { bounds } = decodeJob(JSON.stringify(spec), jobName);
  const wanted = patternsOf(net, probes.x, probes.count);
  // A job taken over may hold regions counted before this coordinator followed it: not part of this run's rate.
  let before: number | undefined;
  const result = await queue.awaitCount(jobName, {
    signal: options.signal,
    onProgress: ({ totals, fraction }) => {
      before ??= totals.regions;
      options.onProgress?.({ regions: totals.regions, lps: 0, fraction, pending: totals.pending, resumedRegions: before });
    },
  });
  if (!result.complete) throw new QueueCountStopped(`stopped following queue job ${jobName}; it goes on on the workers`);
  return {
    regions: result.regions,
    threshold: options.threshold,
    // The job's own time, from its publication to its end: a job taken over (an earlier coordinator died) keeps it.
    countSeconds: Math.max(result.seconds, (performance.now() - t0) / 1000),
    tighteningSeconds: spec.tighteningSeconds,
    lps: result.lps,
    ...studyBoundsOf(net, bounds),
    probePatterns: wanted.size,
    probePatternsMissed: null,
    probes: probes.count,
  };
}

/** Runs the study's networks: trains each in this thread, then waits for the queue's workers to count it. */
export class QueueStudyRunner {
  private readonly stop = new AbortController();
  private closed = false;

  private constructor(private readonly queue: CountQueue, readonly settings: StudySettings) {}

  /** Connect to `redis://…` or `rediss://…` (a one-line UsageError when that fails). */
  static async open(url: string, settings: StudySettings): Promise<QueueStudyRunner> {
    return new QueueStudyRunner(await CountQueue.open(url), settings);
  }

  async run(job: StudyJob, onProgress: (p: JobProgress) => void): Promise<JobOutput> {
    const t0 = performance.now();
    const queue = this.queue;
    const t = await trainStudyNetwork(job, this.settings, onProgress);
    if (this.stop.signal.aborted) throw new QueueCountStopped("stopped before counting");
    const digits = probeDigits(t.data);
    const analysis = await analyseRegionsOnQueue(queue, studyQueueJobName(job, t.fingerprint, this.settings.threshold), t.trained.network, t.data.domain, digits, {
      threshold: this.settings.threshold,
      onProgress: (p) => onProgress({ phase: "count", progress: p }),
      signal: this.stop.signal,
    });
    return finishStudyJob(job, this.settings, t, analysis, t.trained.seconds + analysis.countSeconds);
  }

  /** Stop following the jobs (they go on on the workers) and disconnect. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    void this.queue.close().catch(() => {});
  }
}
