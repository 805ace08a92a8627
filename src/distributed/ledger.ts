/**
 * The job's books in Redis. Each unit gets exactly one outcome, written with set-if-absent inside a Lua script that
 * also adjusts the job's totals and its pending counter in the same atomic step: a unit run twice (a worker thought
 * dead, a retried job) is counted once, and the job is finished exactly when no unit is pending.
 *
 *   created:  meta = {spec, status "seeding", created, seeds}, pending = seeds, weight[seed] = 1 (only if no such job)
 *   counted:  outcome[id] = "d regions lps witnessHits ambiguous lpFailures stepHits cellRefutations seconds"
 *             pending −= 1, totals += the unit's stats, doneWeight += weight[id]
 *   split:    outcome[id] = "s seconds lps child,child,…" (children are enqueued only after this is written)
 *             pending += children − 1, weight[child] = weight[id] / children
 */
import type { Redis } from "ioredis";
import type { EngineStats } from "../count/engine.ts";
import type { TaskResult } from "../count/task.ts";
import { jobKeys, type JobKeys } from "./job-keys.ts";
import { MalformedUnitError } from "./unit-message.ts";

const CREATE_JOB = `
if redis.call('HSETNX', KEYS[1], 'spec', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'seeding', 'created', ARGV[2], 'seeds', ARGV[3])
redis.call('HSET', KEYS[2], 'pending', ARGV[4])
if ARGV[3] == '' then redis.call('HSET', KEYS[3], '', '1') end
for id in string.gmatch(ARGV[3], '[^,]+') do redis.call('HSET', KEYS[3], id, '1') end
return 1
`;

/**
 * Refuse a unit outside the job's task tree (no weight: neither a seed nor a recorded split's child), which would
 * corrupt the totals and the pending counter; count the run; write the outcome only if the unit has none (else count
 * a rerun and stop). KEYS: outcome, totals, runs, weight.
 */
const RECORD_ONCE = `
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 0 then return -1 end
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  redis.call('HINCRBY', KEYS[2], 'reruns', 1)
  return 0
end
`;

const MARK_DONE = RECORD_ONCE + `
local w = redis.call('HGET', KEYS[4], ARGV[1]) or '1'
local names = {'regions', 'lps', 'witnessHits', 'ambiguous', 'lpFailures', 'stepHits', 'cellRefutations'}
for i, name in ipairs(names) do redis.call('HINCRBY', KEYS[2], name, ARGV[2 + i]) end
redis.call('HINCRBYFLOAT', KEYS[2], 'unitSeconds', ARGV[10])
redis.call('HINCRBYFLOAT', KEYS[2], 'doneWeight', w)
redis.call('HINCRBY', KEYS[2], 'units', 1)
redis.call('HINCRBY', KEYS[2], 'pending', -1)
return 1
`;

const MARK_SPLIT = RECORD_ONCE + `
local w = tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '1')
local k = #ARGV - 4
if k == 0 then
  redis.call('HINCRBYFLOAT', KEYS[2], 'doneWeight', w)
else
  for i = 5, #ARGV do redis.call('HSET', KEYS[4], ARGV[i], string.format('%.17g', w / k)) end
end
redis.call('HINCRBY', KEYS[2], 'pending', k - 1)
redis.call('HINCRBY', KEYS[2], 'lps', ARGV[4])
redis.call('HINCRBYFLOAT', KEYS[2], 'abandonedSeconds', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'splits', 1)
return 1
`;

/** The recorded outcome of a unit. */
export type UnitOutcome =
  | { kind: "counted"; stats: EngineStats; seconds: number }
  | { kind: "split"; seconds: number; lps: number; children: string[] };

/** The job's running totals. */
export interface JobTotals extends EngineStats {
  /** Units not yet counted or split (0: the job is finished). */
  pending: number;
  /** Units counted. */
  units: number;
  /** Units split into children. */
  splits: number;
  /** Counted share of the job, from 0 to the number of seed units. */
  doneWeight: number;
  /** Seconds spent in counted units, and in runs abandoned by splits. */
  unitSeconds: number;
  abandonedSeconds: number;
  /** Runs that finished after another run of the same unit had already recorded it (counted once). */
  reruns: number;
}

interface LedgerCommands {
  tesseraCreateJob(...args: (string | number)[]): Promise<number>;
  tesseraMarkDone(...args: (string | number)[]): Promise<number>;
  tesseraMarkSplit(...args: (string | number)[]): Promise<number>;
}

const defined = new WeakSet<Redis>();

function commands(redis: Redis): LedgerCommands {
  if (!defined.has(redis)) {
    redis.defineCommand("tesseraCreateJob", { numberOfKeys: 3, lua: CREATE_JOB });
    redis.defineCommand("tesseraMarkDone", { numberOfKeys: 4, lua: MARK_DONE });
    redis.defineCommand("tesseraMarkSplit", { numberOfKeys: 4, lua: MARK_SPLIT });
    defined.add(redis);
  }
  return redis as unknown as LedgerCommands;
}

/** The reply of a recording script: 1 recorded, 0 recorded before, −1 not a unit of the job. */
function recorded(id: string, reply: number): boolean {
  if (reply === -1) throw new MalformedUnitError(`malformed unit: "${id.slice(0, 40)}" is not a unit of the job's task tree`);
  return reply === 1;
}

/** Parse an outcome string; `undefined` if it is not one. */
export function parseOutcome(text: string): UnitOutcome | undefined {
  const f = text.split(" ");
  if (f[0] === "d" && f.length === 9) {
    const n = f.slice(1).map(Number);
    if (n.some((v) => !Number.isFinite(v))) return undefined;
    return {
      kind: "counted",
      stats: { regions: n[0], lps: n[1], witnessHits: n[2], ambiguous: n[3], lpFailures: n[4], stepHits: n[5], cellRefutations: n[6] },
      seconds: n[7],
    };
  }
  if (f[0] === "s" && f.length === 4) {
    return { kind: "split", seconds: Number(f[1]), lps: Number(f[2]), children: f[3] === "-" ? [] : f[3].split(",") };
  }
  return undefined;
}

/** The books of one job. */
export class JobLedger {
  readonly keys: JobKeys;
  constructor(private readonly redis: Redis, readonly job: string) {
    this.keys = jobKeys(job);
  }

  private keyArgs(): string[] {
    return [this.keys.outcome, this.keys.totals, this.keys.runs, this.keys.weight];
  }

  /**
   * Create the job with its spec and seed units (status "seeding"), atomically and only if no job of that name
   * exists; false if one does.
   */
  async create(specJson: string, created: number, seeds: readonly string[]): Promise<boolean> {
    const k = this.keys;
    return (await commands(this.redis).tesseraCreateJob(k.meta, k.totals, k.weight, specJson, created, seeds.join(","), seeds.length)) === 1;
  }

  /**
   * Record a unit's count; false when the unit already had an outcome (then nothing changes but its run count).
   * Throws {@link MalformedUnitError} for a unit outside the job's task tree (nothing changes).
   */
  async markCounted(id: string, r: TaskResult, seconds: number): Promise<boolean> {
    const stats = [r.regions, r.lps, r.witnessHits, r.ambiguous, r.lpFailures, r.stepHits, r.cellRefutations];
    const secs = seconds.toFixed(6);
    const text = `d ${stats.join(" ")} ${secs}`;
    return recorded(id, await commands(this.redis).tesseraMarkDone(...this.keyArgs(), id, text, ...stats, secs));
  }

  /**
   * Record that a unit was split into `children`; false when it already had an outcome (then do not enqueue them).
   * Throws {@link MalformedUnitError} for a unit outside the job's task tree (nothing changes).
   */
  async markSplit(id: string, children: string[], seconds: number, lps: number): Promise<boolean> {
    const secs = seconds.toFixed(6);
    const text = `s ${secs} ${lps} ${children.length ? children.join(",") : "-"}`;
    return recorded(id, await commands(this.redis).tesseraMarkSplit(...this.keyArgs(), id, text, secs, lps, ...children));
  }

  /** Whether a unit belongs to the job's task tree: a seed, or a child of a recorded split. */
  async inTree(id: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.weight, id)) === 1;
  }

  /** The outcome recorded for a unit, if any. */
  async outcome(id: string): Promise<UnitOutcome | undefined> {
    const text = await this.redis.hget(this.keys.outcome, id);
    return text === null ? undefined : parseOutcome(text);
  }

  /** Every recorded outcome (unit id → outcome). */
  async outcomes(): Promise<Map<string, UnitOutcome>> {
    const all = await this.redis.hgetall(this.keys.outcome);
    const out = new Map<string, UnitOutcome>();
    for (const [id, text] of Object.entries(all)) {
      const o = parseOutcome(text);
      if (o) out.set(id, o);
    }
    return out;
  }

  /** How many times each unit's runs finished. */
  async runs(): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.keys.runs);
    return new Map(Object.entries(all).map(([id, n]) => [id, Number(n)]));
  }

  /** The running totals. */
  async totals(): Promise<JobTotals> {
    const t = await this.redis.hgetall(this.keys.totals);
    const n = (k: string) => Number(t[k] ?? 0);
    return {
      regions: n("regions"), lps: n("lps"), witnessHits: n("witnessHits"), ambiguous: n("ambiguous"), lpFailures: n("lpFailures"),
      stepHits: n("stepHits"), cellRefutations: n("cellRefutations"), pending: n("pending"), units: n("units"), splits: n("splits"),
      doneWeight: n("doneWeight"), unitSeconds: n("unitSeconds"), abandonedSeconds: n("abandonedSeconds"), reruns: n("reruns"),
    };
  }
}
