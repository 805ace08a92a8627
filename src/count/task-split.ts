/**
 * The task split of the search: the tree of sign vectors (argmax vectors for maxout) cut at the depth `splitUnit`,
 * each feasible cell there a task (a subtree) that workers, checkpoints, queues and shards share. Task ids are
 * positions in this canonical order and the split's digest (`splitDigest`) covers it, so it must never change for a
 * given network, domain and threshold.
 */

/** A subtree of the search: the decisions of the first `splitUnit` units. */
export type Task = Uint8Array;

/** Number of tasks the search is split into (at least, when the tree is big enough). Fixed, so counts never depend on workers. */
export const DEFAULT_TASK_TARGET = 256;

/** Lexicographic order of tasks by their decisions (tasks of one split all have the same length). */
export function compareTasks(a: Task, b: Task): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Split a search over `unitCount` units into tasks: all feasible cells after deciding the first `splitUnit` units,
 * where `splitUnit` is the smallest depth that gives at least `target` tasks (or every unit), starting at
 * ⌈log₂ target⌉ and deepening every task (one LP each to re-enter it) until the target or the leaves are reached.
 * `cellsAt(from, depth)` lists the feasible cells at unit `depth` below task `from` (the root when undefined), in
 * the order the search meets them; the result is sorted canonically ({@link compareTasks}).
 */
export function splitSearch(
  unitCount: number,
  target: number,
  cellsAt: (from: Task | undefined, depth: number) => Task[],
): { splitUnit: number; tasks: Task[] } {
  const N = unitCount;
  let depth = Math.min(N, Math.max(1, Math.ceil(Math.log2(Math.max(2, target)))));
  let tasks = cellsAt(undefined, depth);
  // Too few cells yet: deepen every task (one LP each to re-enter it) until the target or the leaves are reached.
  while (tasks.length < target && depth < N) {
    depth = Math.min(N, depth + Math.max(1, Math.ceil(Math.log2(target / Math.max(1, tasks.length)))));
    const next: Task[] = [];
    for (const t of tasks) for (const c of cellsAt(t, depth)) next.push(c);
    tasks = next;
  }
  tasks.sort(compareTasks);
  return { splitUnit: depth, tasks };
}
