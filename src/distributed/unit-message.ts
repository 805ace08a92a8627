/**
 * The work unit as it travels through the queue: `{job, id, task, depth}`. `task` is the sign prefix of a subtree of
 * the engine's search (base-36 digits, one per decided unit, as `patternToString` writes them), `id` is the same
 * prefix (the node of the search tree is its own stable id), `depth` counts the time splits above the unit (0 for
 * the units the coordinator seeds).
 */
import * as z from "zod";
import { describeSchemaIssue } from "../io/schema-issue.ts";
import { isJobName } from "./job-keys.ts";

/** One work unit. */
export interface UnitMessage {
  job: string;
  id: string;
  task: string;
  depth: number;
}

/** Longest prefix accepted (the engine's pattern length is far below this for any network it can count). */
const MAX_PREFIX = 1 << 20;

const unitSchema = z.object({
  job: z.string().refine(isJobName, "job is not a valid job name"),
  id: z.string().max(MAX_PREFIX),
  task: z.string().max(MAX_PREFIX).regex(/^[0-9a-z]*$/, "task is not a sign prefix (base-36 digits)"),
  depth: z.int().nonnegative(),
}).strict();

/** Why a message was rejected. */
export class MalformedUnitError extends Error {
  override name = "MalformedUnitError";
}

/** Validate queue data as a unit; throws {@link MalformedUnitError} with a one-line reason. */
export function parseUnitMessage(data: unknown): UnitMessage {
  const parsed = unitSchema.safeParse(data);
  if (!parsed.success) {
    throw new MalformedUnitError(`malformed unit: ${describeSchemaIssue(parsed.error)}`);
  }
  const unit = parsed.data;
  if (unit.id !== unit.task) throw new MalformedUnitError(`malformed unit: id "${unit.id.slice(0, 40)}" is not its task prefix`);
  return unit;
}
