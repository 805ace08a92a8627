/**
 * Running one task of the engine and packaging what it found: the unit of work that worker threads, the in-process
 * runner and checkpoints share. Isomorphic.
 */
import { patternToString, regionForms } from "../model/evaluate.ts";
import { fnv64Hex } from "../model/fingerprint.ts";
import type { RegionEnumerator, Task } from "./engine.ts";

/** What to collect from each region of a task. */
export interface TaskCollect {
  /** JSON lines (`--regions`): pattern, point, radius. */
  lines?: boolean;
  /** Add the region's affine map to each JSON line. */
  affine?: boolean;
  /** Patterns, points and radii for the verifier. */
  records?: boolean;
}

/** The outcome of one task. */
export interface TaskResult {
  regions: number;
  lps: number;
  witnessHits: number;
  stepHits: number;
  cellRefutations: number;
  ambiguous: number;
  lpFailures: number;
  lines?: string;
  patterns?: string[];
  /** Points concatenated (regions × n0). */
  points?: Float64Array;
  radii?: Float64Array;
}

/** One region as a JSON line of `--regions` output. */
export function regionJsonLine(
  enumerator: RegionEnumerator,
  pattern: Uint8Array,
  point: Float64Array,
  radius: number,
  affine: boolean,
): string {
  const record: Record<string, unknown> = { pattern: patternToString(pattern), point: Array.from(point), radius };
  if (affine) {
    const map = regionForms(enumerator.net, pattern).output;
    const J: number[][] = [];
    for (let r = 0; r < map.rows; r++) J.push(Array.from(map.J.subarray(r * map.cols, (r + 1) * map.cols)));
    record.affine = { J, c: Array.from(map.c) };
  }
  return JSON.stringify(record);
}

/** Run `task` on `enumerator`, collecting what `collect` asks for. `onTick` is called every few hundred regions. */
export function executeTask(
  enumerator: RegionEnumerator,
  task: Task,
  collect: TaskCollect,
  onTick?: (regionsSoFar: number) => void,
): TaskResult {
  const before = { ...enumerator.stats };
  const lines: string[] = [];
  const patterns: string[] = [];
  const points: number[] = [];
  const radii: number[] = [];
  const sink =
    collect.lines || collect.records
      ? (pattern: Uint8Array, point: Float64Array, radius: number) => {
          if (collect.lines) lines.push(regionJsonLine(enumerator, pattern, point, radius, collect.affine ?? false));
          if (collect.records) {
            patterns.push(patternToString(pattern));
            for (let j = 0; j < point.length; j++) points.push(point[j]);
            radii.push(radius);
          }
        }
      : undefined;
  const tick = onTick ? () => onTick(enumerator.stats.regions - before.regions) : undefined;
  enumerator.runTask(task, sink, tick);
  const s = enumerator.stats;
  const result: TaskResult = {
    regions: s.regions - before.regions,
    lps: s.lps - before.lps,
    witnessHits: s.witnessHits - before.witnessHits,
    stepHits: s.stepHits - before.stepHits,
    cellRefutations: s.cellRefutations - before.cellRefutations,
    ambiguous: s.ambiguous - before.ambiguous,
    lpFailures: s.lpFailures - before.lpFailures,
  };
  if (collect.lines) result.lines = lines.length ? lines.join("\n") + "\n" : "";
  if (collect.records) {
    result.patterns = patterns;
    result.points = Float64Array.from(points);
    result.radii = Float64Array.from(radii);
  }
  return result;
}

/**
 * A 64-bit FNV-1a digest (hex) of a whole task split (every task's decisions, in order): parts of a sharded count
 * are added up only when they come from the same split.
 */
export function splitDigest(tasks: readonly Task[]): string {
  return fnv64Hex((mix) => {
    for (const t of tasks) {
      for (let i = 0; i < t.length; i++) mix(t[i]);
      mix(0xff); // task separator (decisions are small digits)
    }
  });
}
