/**
 * Static sharding for batch schedulers (Slurm job arrays, Kubernetes Indexed Jobs): shard i of N counts the tasks
 * of the deterministic split whose index is ≡ i (mod N) and writes a part file; merging the N parts gives the count
 * of one run. A part records what makes counts comparable (model fingerprint, box, threshold, tightening, N, i),
 * so a missing, duplicated or foreign part is refused by name.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import * as z from "zod";
import type { CountRunResult } from "../count/session.ts";
import { UsageError } from "../util/errors.ts";
import type { EngineStats } from "../count/engine.ts";
import { describeSchemaIssue } from "../io/schema-issue.ts";
import type { Box } from "../model/network.ts";
import { contentDigest } from "../count/checkpoint.ts";

/** A shard as given on the command line: index (0-based) of count. */
export interface Shard {
  index: number;
  count: number;
}

/** Most shards a count may be cut into (far above any task split's size; beyond it shards would be empty). */
const MAX_SHARDS = 1 << 16;

/** Parse `--shard i/N` (0 ≤ i < N); throws {@link UsageError}. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new UsageError(`--shard "${text}": give i/N with 0 ≤ i < N ≤ ${MAX_SHARDS}, e.g. 0/8 (shards are numbered from 0)`);
  }
  return { index, count };
}

const statsSchema = z.object({
  regions: z.int().nonnegative(), lps: z.int().nonnegative(), witnessHits: z.int().nonnegative(), stepHits: z.int().nonnegative(),
  cellRefutations: z.int().nonnegative(), lpFailures: z.int().nonnegative(), ambiguous: z.int().nonnegative(),
});

const partSchema = z.object({
  format: z.literal("tessera-count-part"),
  version: z.literal(1),
  model: z.string(),
  fingerprint: z.string(),
  box: z.object({ lo: z.array(z.number()), hi: z.array(z.number()) }),
  threshold: z.number(),
  tightening: z.enum(["lp", "interval"]),
  shard: z.object({ index: z.int().nonnegative(), count: z.int().positive() }),
  splitTasks: z.int().nonnegative(),
  /** Digest of the whole split's tasks in order (absent in parts written before it). */
  splitDigest: z.string().optional(),
  /** Counted with `--plain` (the same count as the fast engine; recorded so the merged report can say so). */
  plain: z.boolean().optional(),
  tasks: z.int().nonnegative(),
  regions: z.int().nonnegative(),
  stableUnits: z.object({ active: z.array(z.int()), inactive: z.array(z.int()), total: z.int() }),
  /** The split's and the tightening's LPs (every shard does them; `stats.lps` counts only this shard's tasks). */
  splitLps: z.int().nonnegative(),
  tighteningLps: z.int().nonnegative(),
  seconds: z.number().nonnegative(),
  tighteningSeconds: z.number().nonnegative(),
  workers: z.int().positive(),
  stats: statsSchema,
  /** The shard's tasks (decisions) and each one's regions, in split order. */
  perTask: z.array(z.tuple([z.string().regex(/^[0-9a-z]*$/), z.int().nonnegative()])),
  /** contentDigest of the other fields: a part edited after it was written is refused. */
  digest: z.string().regex(/^[0-9a-f]{16}$/),
});

/** A part file. */
export type CountPart = z.infer<typeof partSchema>;

/** The part file of a finished shard's count. */
export function partOf(model: string, fingerprint: string, box: Box, shard: Shard, r: CountRunResult): CountPart {
  const part: Omit<CountPart, "digest"> = {
    format: "tessera-count-part",
    version: 1,
    model,
    fingerprint,
    box: { lo: Array.from(box.lo), hi: Array.from(box.hi) },
    threshold: r.threshold,
    tightening: r.tightening,
    shard,
    splitTasks: r.splitTasks,
    ...(r.splitDigest ? { splitDigest: r.splitDigest } : {}),
    ...(r.plain ? { plain: true } : {}),
    tasks: r.tasks,
    regions: r.regions,
    stableUnits: { active: [...r.stableUnits.active], inactive: [...r.stableUnits.inactive], total: r.stableUnits.total },
    splitLps: r.splitLps,
    tighteningLps: r.tighteningLps,
    seconds: r.seconds,
    tighteningSeconds: r.tighteningSeconds,
    workers: r.workers,
    stats: { ...r.stats, lps: r.stats.lps - r.splitLps },
    perTask: r.perTask ?? [],
  };
  return { ...part, digest: contentDigest(part) };
}

/** Write a part file (atomically: a half-written part is never seen by merge). */
export function writePart(path: string, part: CountPart): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(part, null, 1) + "\n");
  renameSync(tmp, path);
}

/** Read and validate a part file; throws {@link UsageError} naming it. */
export function readPart(path: string): CountPart {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "not JSON";
    throw new UsageError(`${path}: ${why} (expected a part written by tessera count --shard i/N --out)`);
  }
  const parsed = partSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`${path}: not a tessera count part (${describeSchemaIssue(parsed.error)})`);
  return parsed.data;
}

/**
 * A part's internal consistency: its per-task counts add up to its regions (and its statistics'), it holds as many
 * tasks as shard i of N of its split has, each once. Throws {@link UsageError} naming the part.
 */
export function checkPartTotals(path: string, p: CountPart): void {
  const bad = (why: string) => new UsageError(`${path}: damaged part (${why})`);
  const { index, count } = p.shard;
  if (index >= count) throw bad(`shard ${index}/${count}: the index must be below the count`);
  const expected = p.splitTasks > index ? Math.ceil((p.splitTasks - index) / count) : 0;
  if (p.tasks !== expected) throw bad(`${p.tasks} tasks, shard ${index}/${count} of a ${p.splitTasks}-task split has ${expected}`);
  if (p.perTask.length !== p.tasks) throw bad(`${p.perTask.length} per-task counts for ${p.tasks} tasks`);
  if (new Set(p.perTask.map(([t]) => t)).size !== p.perTask.length) throw bad("a task listed twice");
  const sum = p.perTask.reduce((s, [, r]) => s + r, 0);
  if (sum !== p.regions) throw bad(`its per-task counts add up to ${sum}, not to its regions ${p.regions}`);
  if (p.stats.regions !== p.regions) throw bad(`stats.regions ${p.stats.regions} differs from its regions ${p.regions}`);
}

/** The merged count of N parts, as one run reports it. */
export interface MergedCount {
  model: string;
  box: Box;
  result: CountRunResult;
}

/**
 * Check that `parts` (read from `paths`) are the N shards of one count, each once, and add them up. Throws
 * {@link UsageError} naming the missing, duplicated or mismatched part.
 */
export function mergeParts(paths: readonly string[], parts: readonly CountPart[]): MergedCount {
  if (parts.length === 0) throw new UsageError("merge: give the part files (tessera merge part-*.json)");
  const first = parts[0], p0 = paths[0];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const seen = new Map<number, string>();
  parts.forEach((p, k) => {
    const path = paths[k];
    const differs = (what: string, mine: unknown, theirs: unknown) =>
      new UsageError(`${path}: ${what} ${JSON.stringify(mine)} differs from ${p0}'s ${JSON.stringify(theirs)}: not a part of the same count`);
    if (p.fingerprint !== first.fingerprint) throw new UsageError(`${path}: a different model (${p.model}, fingerprint ${p.fingerprint}) than ${p0} (${first.model}, ${first.fingerprint})`);
    if (!same(p.box, first.box)) throw differs("box", p.box, first.box);
    if (p.threshold !== first.threshold) throw differs("threshold", p.threshold, first.threshold);
    if (p.tightening !== first.tightening) throw differs("tightening", p.tightening, first.tightening);
    if (p.shard.count !== first.shard.count) throw differs("shard count", p.shard.count, first.shard.count);
    if (p.splitTasks !== first.splitTasks) throw differs("task split of", p.splitTasks, first.splitTasks);
    // Parts cut from different splits (another engine version's) would add up other cells.
    if ((p.splitDigest ?? null) !== (first.splitDigest ?? null)) {
      // A part without a digest comes from a version whose split followed the search's witnesses: its shard i/N
      // holds other cells than a canonical split's.
      throw differs("task split digest", p.splitDigest ?? "none (an older version's split order)", first.splitDigest ?? "none (an older version's split order)");
    }
    checkPartTotals(path, p);
    const dup = seen.get(p.shard.index);
    if (dup !== undefined) throw new UsageError(`${path}: shard ${p.shard.index}/${p.shard.count} again (already in ${dup})`);
    seen.set(p.shard.index, path);
  });
  const N = first.shard.count;
  const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) {
    const list = missing.length > 8 ? `${missing.slice(0, 8).join(", ")}, … (${missing.length} in all)` : missing.join(", ");
    throw new UsageError(`missing part${missing.length > 1 ? "s" : ""}: shard${missing.length > 1 ? "s" : ""} ${list} of ${N}`);
  }
  // Last, so that a part edited to look like another count's is named by what differs.
  parts.forEach((p, k) => {
    if (contentDigest(p) !== p.digest) {
      throw new UsageError(`${paths[k]}: damaged part (its content digest does not match: the file was changed after tessera wrote it)`);
    }
  });
  const stats: EngineStats = { regions: 0, lps: first.splitLps, witnessHits: 0, stepHits: 0, cellRefutations: 0, lpFailures: 0, ambiguous: 0 };
  for (const p of parts) {
    for (const key of Object.keys(stats) as (keyof EngineStats)[]) stats[key] += p.stats[key];
  }
  const tasks = parts.reduce((s, p) => s + p.tasks, 0);
  const workers = parts.reduce((s, p) => s + p.workers, 0);
  const slowest = Math.max(...parts.map((p) => p.seconds));
  const summed = parts.reduce((s, p) => s + p.seconds, 0);
  const result: CountRunResult = {
    method: "engine",
    // Plain and fast parts give the same counts (the split is canonical), so they may be mixed; "plain" only if all are.
    ...(parts.every((p) => p.plain) ? { plain: true } : {}),
    regions: stats.regions,
    stableUnits: first.stableUnits,
    lps: stats.lps + first.tighteningLps,
    // The slowest shard is the wall time when shards run side by side.
    seconds: slowest,
    complete: true,
    threshold: first.threshold,
    stats,
    tasks,
    tasksDone: tasks,
    workers,
    tightening: first.tightening,
    tighteningSeconds: first.tighteningSeconds,
    tighteningLps: first.tighteningLps,
    splitLps: first.splitLps,
    splitTasks: first.splitTasks,
    execution: `${N} shard${N > 1 ? "s" : ""} merged, ${workers} worker${workers > 1 ? "s" : ""} in all, ${summed.toFixed(2)} s summed over shards`,
  };
  return { model: first.model, box: { lo: Float64Array.from(first.box.lo), hi: Float64Array.from(first.box.hi) }, result };
}
