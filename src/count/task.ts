/**
 * Running one task of the engine and packaging what it found: the unit of work that worker threads, the in-process
 * runner and checkpoints share. Isomorphic.
 */
import { patternToString, regionForms } from "../model/evaluate.ts";
import { fnv64Hex } from "../model/fingerprint.ts";
import type { RegionEnumerator, Task } from "./engine.ts";
import { lpProfile, now, P, PROFILE_PHASES, profileDelta, profileSnapshot, setProfileTiming } from "../lp/profile.ts";

/** What to collect from each region of a task. */
export interface TaskCollect {
  /** JSON lines (`--regions`): pattern, point, radius. */
  lines?: boolean;
  /** Add the region's affine map to each JSON line. */
  affine?: boolean;
  /** Patterns, points and radii for the verifier (in the enumerator's coordinates). */
  records?: boolean;
  /**
   * The input change x = shift + scale ⊙ u the enumerator's network and box were made with (see unitScaleProblem):
   * JSON lines then give points, radii and affine maps in the original inputs x.
   */
  inputs?: { scale: number[]; shift: number[] };
  /** Take the LP profile with phase times (`tessera count --profile`) and return each task's part in `profile`. */
  profile?: boolean;
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
  /** With `collect.profile`: the LP profile counters over this task (src/lp/profile.ts). */
  profile?: Float64Array;
}

/** One region as a JSON line of `--regions` output. */
export function regionJsonLine(
  enumerator: RegionEnumerator,
  pattern: Uint8Array,
  point: Float64Array,
  radius: number,
  affine: boolean,
  inputs?: TaskCollect["inputs"],
): string {
  let x: number[] = Array.from(point), r = radius;
  if (inputs) {
    // x = shift + scale ⊙ u; the ball of radius r in u holds the ball of radius r · min scale in x.
    x = x.map((u, j) => inputs.shift[j] + inputs.scale[j] * u);
    r = radius * Math.min(...inputs.scale);
  }
  const record: Record<string, unknown> = { pattern: patternToString(pattern), point: x, radius: r };
  if (affine) {
    const map = regionForms(enumerator.net, pattern).output;
    const J: number[][] = [];
    const c = Array.from(map.c);
    for (let i = 0; i < map.rows; i++) {
      const row = Array.from(map.J.subarray(i * map.cols, (i + 1) * map.cols));
      if (inputs) {
        // f = J u + c with u = (x − shift) / scale: J_x = J / scale (per column), c_x = c − J_x · shift.
        for (let j = 0; j < row.length; j++) {
          row[j] /= inputs.scale[j];
          c[i] -= row[j] * inputs.shift[j];
        }
      }
      J.push(row);
    }
    record.affine = { J, c };
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
          if (collect.lines) lines.push(regionJsonLine(enumerator, pattern, point, radius, collect.affine ?? false, collect.inputs));
          if (collect.records) {
            patterns.push(patternToString(pattern));
            for (let j = 0; j < point.length; j++) points.push(point[j]);
            radii.push(radius);
          }
        }
      : undefined;
  const tick = onTick ? () => onTick(enumerator.stats.regions - before.regions) : undefined;
  const profileBefore = collect.profile ? profileSnapshot() : undefined;
  if (collect.profile) setProfileTiming(true);
  const t0 = collect.profile ? now() : 0;
  enumerator.runTask(task, sink, tick);
  if (profileBefore) lpProfile[P.Time + PROFILE_PHASES.length - 1] += now() - t0;
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
  if (profileBefore) result.profile = profileDelta(profileBefore);
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
