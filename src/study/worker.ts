/**
 * Worker thread of `tessera study serra2018 --workers N`: loads TensorFlow.js first (before the counting set-up
 * changes V8's wasm flags), then trains and analyses the networks it is sent, one at a time.
 */
import { parentPort } from "node:worker_threads";
import { loadTensorflow } from "../train/tensorflow.ts";
import { runStudyJob, type JobProgress } from "./network-job.ts";
import { QueueStudyRunner } from "./queue-runner.ts";
import type { StudyJob, StudySettings } from "./plan.ts";
import type { NetworkRecord } from "./table.ts";

/** Messages a study worker receives (with `queue`, the network is counted on that work queue). */
export type StudyWorkerRequest = { type: "job"; job: StudyJob; settings: StudySettings; partialDir?: string; queue?: string };

/** Messages a study worker posts. */
export type StudyWorkerReply =
  | { type: "ready" }
  | { type: "progress"; id: string; progress: JobProgress }
  | { type: "done"; id: string; record: NetworkRecord; modelJson: string }
  | { type: "error"; id: string; message: string };

/** Milliseconds between progress messages while counting. */
const PROGRESS_EVERY_MS = 500;

const port = parentPort;
if (!port) throw new Error("the study worker must run in a worker thread");
await loadTensorflow();
/** This thread's queue connection (one per thread, opened on its first queue job). */
let queueRunner: Promise<QueueStudyRunner> | undefined;
port.on("message", async (msg: StudyWorkerRequest) => {
  const id = msg.job.id;
  let last = 0;
  try {
    const onProgress = (progress: JobProgress) => {
      const now = Date.now();
      if (progress.phase === "count" && progress.progress.fraction === undefined && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      port.postMessage({ type: "progress", id, progress } satisfies StudyWorkerReply);
    };
    let out;
    if (msg.queue !== undefined) {
      queueRunner ??= QueueStudyRunner.open(msg.queue, msg.settings);
      out = await (await queueRunner).run(msg.job, onProgress);
    } else out = await runStudyJob(msg.job, msg.settings, onProgress, msg.partialDir);
    const { record, modelJson } = out;
    port.postMessage({ type: "done", id, record, modelJson } satisfies StudyWorkerReply);
  } catch (e) {
    port.postMessage({ type: "error", id, message: e instanceof Error ? e.message : String(e) } satisfies StudyWorkerReply);
  }
});
port.postMessage({ type: "ready" } satisfies StudyWorkerReply);
