/**
 * `tessera count MODEL --queue URL --job NAME`: publish the job (or, with `--resume`, take over a published one),
 * show its progress over all workers, and return the result a local count gives. Ctrl-C / SIGTERM stop following
 * the job, not the job: it goes on on the workers, and `--resume` follows it again.
 */
import type { LoadedModel } from "../io/load.ts";
import type { Box } from "../model/network.ts";
import { UsageError } from "../util/errors.ts";
import { formatCount } from "../util/progress.ts";
import { ProgressBar } from "../run/progress-bar.ts";
import { CountQueue, countMismatch, type QueueCountResult } from "./count-queue.ts";

export interface QueueCountOptions {
  url: string;
  job: string;
  /** Take over the published job `job` instead of publishing it. */
  resume: boolean;
  loaded: LoadedModel;
  box: Box;
  threshold: number;
  tightening: "lp" | "interval";
  unitSeconds?: number;
  progress: boolean;
}

/** Run a distributed count from the command line. */
export async function runQueueCount(opts: QueueCountOptions): Promise<QueueCountResult> {
  const queue = await CountQueue.open(opts.url);
  const bar = new ProgressBar("counting", opts.progress);
  const stop = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signal ??= sig;
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    if (opts.resume) {
      const spec = await queue.resumeJob(opts.job);
      const problem = countMismatch(spec, opts.loaded.network, opts.box, opts.threshold, opts.tightening);
      if (problem) throw new UsageError(`job ${opts.job} ${problem}`);
    } else {
      await queue.enqueueCount({
        job: opts.job, model: opts.loaded.path, network: opts.loaded.network, box: opts.box, threshold: opts.threshold,
        tightening: opts.tightening, unitSeconds: opts.unitSeconds,
      });
    }
    const result = await queue.awaitCount(opts.job, {
      signal: stop.signal,
      onProgress: ({ totals: t, fraction, workers }) => bar.update(
        t.regions,
        fraction,
        `${formatCount(t.units)} units counted${t.splits ? `, ${formatCount(t.splits)} split` : ""}, ${formatCount(t.pending)} pending` +
          (workers ? `, ${workers} worker${workers > 1 ? "s" : ""}` : ""),
      ),
    });
    bar.done();
    if (!result.complete) {
      result.resumeHint = `job ${opts.job} goes on on the workers; follow it again with --queue ${queue.target.display} --job ${opts.job} --resume`;
      process.exitCode = signal === "SIGINT" ? 130 : 143;
    }
    return result;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await queue.close();
  }
}
