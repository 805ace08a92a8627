/** Putting work units on the shared BullMQ queue. */
import type { JobsOptions, Queue } from "bullmq";
import { unitJobId } from "./job-keys.ts";
import type { UnitMessage } from "./unit-message.ts";

/**
 * BullMQ options of every unit: a few retries for passing failures (a lost connection), finished units removed at
 * once (their outcome lives in the job's books), the last failures kept for inspection.
 */
export const UNIT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: "fixed", delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};

/** Units added per round trip. */
const ADD_CHUNK = 500;

/**
 * Enqueue units (sign prefixes) of `job` at split depth `depth`. Each BullMQ id is the unit's own id, so adding a
 * unit that is already waiting or running is a no-op, and enqueueing the same children twice is harmless.
 */
export async function enqueueUnits(queue: Queue, job: string, units: readonly string[], depth: number): Promise<void> {
  for (let i = 0; i < units.length; i += ADD_CHUNK) {
    await queue.addBulk(units.slice(i, i + ADD_CHUNK).map((task) => ({
      name: job,
      data: { job, id: task, task, depth } satisfies UnitMessage,
      opts: { ...UNIT_JOB_OPTIONS, jobId: unitJobId(job, task) },
    })));
  }
}
