/**
 * Names in Redis: the one BullMQ queue every job shares, a job's own keys (one hash tag per job, so its Lua scripts
 * touch one cluster slot), and the BullMQ id of a work unit.
 */
import { UsageError } from "../util/errors.ts";

/** The BullMQ queue that carries the work units of every job. */
export const UNIT_QUEUE = "tessera-units";

/**
 * Seconds a running unit's lock lasts between renewals (BullMQ renews it every half of that from the worker
 * process's main thread, which never computes): a worker that dies has its units taken over after about this long
 * plus one stalled-check interval.
 */
export const DEFAULT_LOCK_SECONDS = 30;

/** Job names: letters, digits, `_` and `-` (they appear in Redis keys and BullMQ ids). */
const JOB_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Check a `--job` name; throws {@link UsageError}. */
export function checkJobName(name: string): string {
  if (!JOB_NAME.test(name)) throw new UsageError(`--job "${name}": use 1 to 64 letters, digits, _ or -`);
  return name;
}

/** Whether `name` is a valid job name. */
export function isJobName(name: string): boolean {
  return JOB_NAME.test(name);
}

/** The Redis keys of one job. */
export interface JobKeys {
  /** Hash: spec (JSON), status, seeds, created, finished, result. */
  meta: string;
  /** Hash: unit id → its outcome, set once (`d …` counted, `s …` split into children). */
  outcome: string;
  /** Hash: unit id → its share of the job (seeds 1, children a split of their parent's); for progress. */
  weight: string;
  /** Hash: unit id → times a run of it finished (a unit run twice shows 2 here and is counted once). */
  runs: string;
  /** Hash: running sums over counted units (regions, LPs, …), pending units, units, splits, done weight. */
  totals: string;
}

/** The keys of job `name`. */
export function jobKeys(name: string): JobKeys {
  const base = `tessera:{${name}}`;
  return { meta: `${base}:meta`, outcome: `${base}:outcome`, weight: `${base}:weight`, runs: `${base}:runs`, totals: `${base}:totals` };
}

/** BullMQ job id of a unit: the job name, a dot, the sign prefix (custom ids may not be integers or contain `:`). */
export function unitJobId(job: string, unit: string): string {
  return `${job}.${unit}`;
}
