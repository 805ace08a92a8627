/**
 * Running one work unit with a time limit: count its subtree, or, past the limit, abandon the partial count and
 * return its children (`RegionEnumerator.subtasks`, which partition the subtree) so that they are queued instead.
 * Long subtrees thus split themselves until every piece fits the limit, and a skewed tree balances over workers.
 */
import type { RegionEnumerator, Task } from "../count/engine.ts";
import { executeTask, type TaskResult } from "../count/task.ts";
import { hiddenLayers, unitsOf, type Network } from "../model/network.ts";
import { patternToString } from "../model/evaluate.ts";

/**
 * A split deepens the unit until it has at least this many children (or reaches the leaves): enough pieces for
 * several idle workers, few enough that re-entering each child (one LP) stays negligible next to the time limit.
 */
export const SPLIT_FANOUT = 8;
/** Units of depth added per deepening step of a split (2^3 = 8 children when every unit branches). */
const SPLIT_STEP = 3;

/** What running a unit gave. */
export type UnitRun =
  | { kind: "counted"; result: TaskResult; seconds: number }
  /** `lps`: the abandoned run's and the split's. */
  | { kind: "split"; children: string[]; lps: number; seconds: number };

/** Thrown through the engine's tick to abandon a unit at its deadline. */
class Deadline extends Error {}

/** Run `task` for at most `limitSeconds` (checked every few hundred regions), splitting it if the limit passes. */
export function runUnit(enumerator: RegionEnumerator, task: Task, limitSeconds: number): UnitRun {
  const start = performance.now();
  const lpsBefore = enumerator.stats.lps;
  const deadline = start + limitSeconds * 1000;
  // A unit at the leaves is one region: it cannot be split, and it is over at once.
  const splittable = task.length < enumerator.unitCount;
  try {
    const result = executeTask(enumerator, task, {}, splittable ? () => {
      if (performance.now() > deadline) throw new Deadline();
    } : undefined);
    return { kind: "counted", result, seconds: (performance.now() - start) / 1000 };
  } catch (err) {
    if (!(err instanceof Deadline)) throw err;
  }
  let depth = task.length;
  let children: Task[];
  do {
    depth = Math.min(enumerator.unitCount, depth + SPLIT_STEP);
    children = enumerator.subtasks(task, depth);
  } while (children.length < SPLIT_FANOUT && depth < enumerator.unitCount);
  return {
    kind: "split",
    children: children.map(patternToString),
    lps: enumerator.stats.lps - lpsBefore,
    seconds: (performance.now() - start) / 1000,
  };
}

/**
 * Why `task` (a sign prefix as text) cannot be a unit of `net`, or `undefined` if it can: at most one digit per
 * hidden unit, each below that unit's number of pieces (2 for ReLU-like units, k for maxout of rank k).
 */
export function taskProblem(net: Network, task: string): string | undefined {
  const arity: number[] = [];
  for (const layer of hiddenLayers(net)) {
    const k = layer.activation.kind === "maxout" ? layer.activation.rank : 2;
    for (let i = 0; i < unitsOf(layer); i++) arity.push(k);
  }
  if (task.length > arity.length) return `task has ${task.length} decisions, the network has ${arity.length} hidden units`;
  for (let u = 0; u < task.length; u++) {
    const d = parseInt(task[u], 36);
    if (!(d < arity[u])) return `task decides unit ${u} as ${task[u]}, which has ${arity[u]} pieces`;
  }
  return undefined;
}
