/**
 * The checkpoint of a count (the file of `tessera count --checkpoint`) and its validation on resume. Isomorphic: the
 * file itself is read and written by src/run/checkpoint-file.ts. A checkpoint is not trusted:
 * every field is checked for type and range, the task split it carries is compared with the split recomputed from
 * the model (tasks, their number and digest), each finished task's count with the most regions its cell can hold,
 * and the whole file with its content digest (which catches edits, not a forger who recomputes it: docs/security.md).
 * Any failure is one line naming the file.
 */
import * as z from "zod";
import type { Task } from "./engine.ts";
import { describeSchemaIssue } from "../io/schema-issue.ts";
import { fnv64Hex } from "../model/fingerprint.ts";
import type { Network } from "../model/network.ts";
import { hiddenLayers, unitsOf } from "../model/network.ts";
import { patternToString } from "../model/evaluate.ts";
import { UsageError } from "../util/errors.ts";

/** Entries of a finished task's record: [regions, lps, witnessHits, ambiguous, lpFailures, stepHits, cellRefutations]. */
export const TASK_RECORD_LENGTH = 7;

const count = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const finite = z.number().refine(Number.isFinite, "expected a finite number");

const checkpointSchema = z.object({
  format: z.literal("tessera-count-checkpoint"),
  version: z.literal(1),
  model: z.string(),
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  threshold: z.number().positive().lt(1),
  tightening: z.enum(["lp", "interval"]),
  box: z.object({ lo: z.array(finite), hi: z.array(finite) }),
  plain: z.boolean().optional(),
  splitLps: count,
  shard: z.string().regex(/^\d+\/\d+$/).nullable().optional(),
  splitTasks: z.int().positive().max(1 << 24),
  splitDigest: z.string().regex(/^[0-9a-f]{16}$/),
  tasks: z.array(z.string().regex(/^[0-9a-z]*$/)),
  done: z.array(z.union([z.null(), z.array(count).length(TASK_RECORD_LENGTH)])),
  regionsFile: z.string().nullable(),
  regionsBytes: count,
  elapsedSeconds: z.number().nonnegative().refine(Number.isFinite, "expected a finite number"),
  complete: z.boolean(),
  /** {@link checkpointDigest} of the other fields. */
  digest: z.string().regex(/^[0-9a-f]{16}$/),
});

/** The checkpoint file (JSON). */
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** JSON with every object's keys sorted (a canonical text: the same whatever order a reader keeps keys in). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** A 64-bit FNV digest of a checkpoint's or part's fields other than `digest` (canonical JSON, keys sorted). */
export function contentDigest(doc: Record<string, unknown>): string {
  const { digest: _, ...rest } = doc;
  const text = canonicalJson(rest);
  return fnv64Hex((mix) => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      mix(c & 0xff);
      mix(c >>> 8);
    }
  });
}

/** A checkpoint with its digest, ready to write. */
export function sealCheckpoint(cp: Omit<Checkpoint, "digest">): Checkpoint {
  const sealed = { ...cp, digest: "" } as Checkpoint;
  sealed.digest = contentDigest(sealed);
  return sealed;
}

/**
 * Type-check the parsed JSON of a checkpoint read from `path` (JSON.parse's result, or `undefined` when the text was
 * not JSON); throws {@link UsageError} naming the file and the first problem.
 */
export function parseCheckpoint(path: string, json: unknown): Checkpoint {
  if (json === undefined) throw new UsageError(`${path}: not a readable checkpoint (JSON written by tessera count --checkpoint)`);
  const head = json as { format?: unknown; version?: unknown; digest?: unknown } | null;
  if (typeof head !== "object" || head === null || head.format !== "tessera-count-checkpoint" || head.version !== 1) {
    throw new UsageError(`${path}: not a tessera count checkpoint`);
  }
  if (head.digest === undefined) {
    throw new UsageError(`${path}: checkpoint without a content digest (written by an older tessera, or edited): count again from the start`);
  }
  const parsed = checkpointSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`${path}: damaged checkpoint (${describeSchemaIssue(parsed.error)})`);
  const cp = parsed.data;
  if (contentDigest(json as Record<string, unknown>) !== cp.digest) {
    throw new UsageError(`${path}: damaged checkpoint (its content digest does not match: the file was changed after tessera wrote it)`);
  }
  if (cp.done.length !== cp.tasks.length) {
    throw new UsageError(`${path}: damaged checkpoint (${cp.done.length} task records for ${cp.tasks.length} tasks)`);
  }
  if (cp.box.lo.length !== cp.box.hi.length) throw new UsageError(`${path}: damaged checkpoint (box.lo and box.hi differ in length)`);
  return cp;
}

/**
 * Most regions the cell of a task can hold: the product, over the units after its decisions, of their number of
 * pieces (2 for ReLU-like units, the rank for maxout). Capped at Number.MAX_SAFE_INTEGER.
 */
export function maxRegionsOfTask(net: Network, decided: number): number {
  let bound = 1, u = 0;
  for (const layer of hiddenLayers(net)) {
    const pieces = layer.activation.kind === "maxout" ? layer.activation.rank : 2;
    for (let i = 0; i < unitsOf(layer); i++, u++) {
      if (u < decided) continue;
      bound = Math.min(Number.MAX_SAFE_INTEGER, bound * pieces);
    }
  }
  return bound;
}

/**
 * Check a checkpoint's tasks against the split recomputed from the model (`all`, the whole split; `mine`, the tasks
 * this run counts: the shard's, or all) and its task records against the regions their cells can hold. Throws
 * {@link UsageError} naming the file.
 */
export function checkCheckpointSplit(path: string, cp: Checkpoint, net: Network, all: readonly Task[], mine: readonly Task[], digest: string): void {
  const bad = (why: string) => new UsageError(`${path}: damaged checkpoint (${why})`);
  if (cp.splitTasks !== all.length) throw bad(`splitTasks ${cp.splitTasks}, but the model's split has ${all.length} tasks`);
  if (cp.splitDigest !== digest) throw bad(`splitDigest ${cp.splitDigest} is not the model's split (${digest})`);
  if (cp.tasks.length !== mine.length) throw bad(`${cp.tasks.length} tasks, the split gives this run ${mine.length}`);
  for (let i = 0; i < mine.length; i++) {
    if (cp.tasks[i] !== patternToString(mine[i])) throw bad(`task ${i} is ${JSON.stringify(cp.tasks[i])}, the split's is "${patternToString(mine[i])}"`);
    const d = cp.done[i];
    if (!d) continue;
    const most = maxRegionsOfTask(net, mine[i].length);
    if (d[0] > most) throw bad(`task ${i} records ${d[0]} regions, its cell can hold at most ${most}`);
  }
}
