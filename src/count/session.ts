/**
 * One counting session: what a count is asked for ({@link CountSpec}, which owns every default and every validation
 * of its options), how it is planned ({@link planCount}: unit scale, pre-activation bounds, the task split and its
 * digest), and what it gives back ({@link CountRunResult}, the checkpoint). Isomorphic: the executors that run the
 * plan (this thread or worker threads with checkpoint files, src/run/; the Redis queue and static shards,
 * src/distributed/) are plugged in around it, and the CLI only parses flags into a spec and prints the result.
 */
import { UsageError } from "../util/errors.ts";
import { loadHighs, type Highs } from "../lp/highs.ts";
import type { PreActivationBounds } from "../model/interval.ts";
import { networkFingerprint } from "../model/fingerprint.ts";
import { ScaleError, unitScaleProblem, type UnitScaleProblem } from "../model/normalise.ts";
import type { Box, Network } from "../model/network.ts";
import { intervalBounds } from "../tighten/interval.ts";
import { lpBounds } from "../tighten/lp.ts";
import { unitsSeenUnstable } from "../tighten/sampled.ts";
import { DEFAULT_TASK_TARGET, PLAIN_SEARCH, RegionEnumerator, type EngineStats, type Task } from "./engine.ts";
import type { ExactMarginSolver } from "./engine.ts";
import { splitDigest } from "./task.ts";
import type { CountResult } from "./types.ts";
import type { LpProfileReport } from "../lp/profile.ts";
import type { VerifyReport } from "./verify.ts";

export type { Checkpoint } from "./checkpoint.ts";

/**
 * Interior-radius threshold: a pattern is a region when some point of the domain is farther than this from every
 * hyperplane of the region's unstable units (Euclidean distance, hyperplanes with unit-norm normals).
 * 1e-8: the fixtures' counts are the same at 1e-7 and 1e-9 (shared/reference/linear-regions.md), and real thin
 * regions of trained MNIST nets have radii down to ~1e-9, so the threshold sits inside that range; LP
 * tolerances are kept ≥ 100× smaller.
 */
export const DEFAULT_INTERIOR_THRESHOLD = 1e-8;

/** How pre-activation bounds are tightened before counting: LP relaxation, or interval arithmetic. */
export type Tightening = "lp" | "interval";
/** The tightenings, in the order help texts name them. */
export const TIGHTENINGS: readonly Tightening[] = ["lp", "interval"];
/** LP tightening: more stable units and a smaller search tree for a few LPs per unit (every counter's default). */
export const DEFAULT_TIGHTENING: Tightening = "lp";

/** How regions are counted (`tessera count --method`). */
export type CountMethod = "auto" | "engine" | "skeleton" | "intervals" | "milp" | "mipbound";
/** The methods, in the order help texts name them. */
export const COUNT_METHODS: readonly CountMethod[] = ["auto", "engine", "skeleton", "intervals", "milp", "mipbound"];
/** Exact intervals for 1 input, the skeleton for 2 to 3 inputs, else the engine. */
export const DEFAULT_COUNT_METHOD: CountMethod = "auto";

/** What a count is asked for; every field filled and checked by {@link countSpec}. */
export interface CountSpec {
  /** The input domain, in the model's inputs. */
  box: Box;
  /** Interior-radius threshold in the model's inputs, in (0, 1) ({@link DEFAULT_INTERIOR_THRESHOLD}). */
  threshold: number;
  /** Pre-activation bounds of the count ({@link DEFAULT_TIGHTENING}). */
  tightening: Tightening;
  /** Counting method ({@link DEFAULT_COUNT_METHOD}). */
  method: CountMethod;
  /** Tasks the engine's split aims at ({@link DEFAULT_TASK_TARGET}); the count never depends on it. */
  taskTarget: number;
  /** The engine's plain search, every acceleration off ({@link PLAIN_SEARCH}): the same count, slower. */
  plain: boolean;
}

/** A count's options as given: anything left out takes its default. */
export type CountSpecInput = Pick<CountSpec, "box"> & Partial<Omit<CountSpec, "box">>;

/** Whether `t` is an interior threshold a count accepts: a finite number in (0, 1). */
export function isInteriorThreshold(t: number): boolean {
  return Number.isFinite(t) && t > 0 && t < 1;
}

/** Parse `--threshold` text by the one rule of {@link isInteriorThreshold}; one line naming the flag otherwise. */
export function parseThreshold(text: string): number {
  const t = Number(text);
  if (!isInteriorThreshold(t)) throw new UsageError(`--threshold "${text}": give a number in (0, 1), e.g. 1e-8`);
  return t;
}

/** `--threshold` as typed, or {@link DEFAULT_INTERIOR_THRESHOLD} when the command has none. */
export function thresholdOrDefault(text: string | undefined): number {
  return text === undefined ? DEFAULT_INTERIOR_THRESHOLD : parseThreshold(text);
}

/** Parse `--tightening` text. */
export function parseTightening(text: string): Tightening {
  if (!(TIGHTENINGS as readonly string[]).includes(text)) throw new UsageError(`--tightening "${text}": choose lp or interval`);
  return text as Tightening;
}

/** The tightening an API counter uses: `t`, or {@link DEFAULT_TIGHTENING} when absent (checked either way). */
export function tighteningOf(t: string | undefined): Tightening {
  return parseTightening(t ?? DEFAULT_TIGHTENING);
}

/** Parse `--method` text. */
export function parseCountMethod(text: string): CountMethod {
  if (!(COUNT_METHODS as readonly string[]).includes(text)) {
    throw new UsageError(`--method "${text}": choose auto, engine, skeleton, intervals, milp or mipbound`);
  }
  return text as CountMethod;
}

/**
 * The threshold an API counter works with: `t`, or {@link DEFAULT_INTERIOR_THRESHOLD} when absent. Counters below
 * the session (the engine, the MILP, the skeleton, the planar partition, local counts) also receive thresholds
 * rescaled to unit scale, which may leave (0, 1), so here only a positive finite radius is required; the user's
 * threshold is held to (0, 1) by {@link countSpec} and {@link parseThreshold}.
 */
export function interiorThreshold(t: number | undefined): number {
  const v = t ?? DEFAULT_INTERIOR_THRESHOLD;
  if (!(Number.isFinite(v) && v > 0)) throw new UsageError(`interior threshold ${v}: give a positive number, e.g. 1e-8`);
  return v;
}

/** Fill a count's defaults and check every option; one line naming the problem otherwise. */
export function countSpec(input: CountSpecInput): CountSpec {
  const threshold = interiorThreshold(input.threshold);
  if (!isInteriorThreshold(threshold)) throw new UsageError(`threshold ${threshold}: give a number in (0, 1), e.g. 1e-8`);
  const taskTarget = input.taskTarget ?? DEFAULT_TASK_TARGET;
  if (!Number.isSafeInteger(taskTarget) || taskTarget < 1) throw new UsageError(`task target ${taskTarget}: give a positive integer`);
  const { box } = input;
  if (box.lo.length !== box.hi.length) throw new UsageError(`box: lo has ${box.lo.length} entries, hi ${box.hi.length}`);
  return {
    box,
    threshold,
    tightening: parseTightening(input.tightening ?? DEFAULT_TIGHTENING),
    method: parseCountMethod(input.method ?? DEFAULT_COUNT_METHOD),
    taskTarget,
    plain: input.plain ?? false,
  };
}

/**
 * The counting problem of a model at unit scale ({@link unitScaleProblem}); a problem that no rescaling brings into
 * floating-point range is refused with one line naming the model.
 */
export function unitScaleFor(loaded: { network: Network; path: string }, box: Box, threshold: number): UnitScaleProblem {
  try {
    return unitScaleProblem(loaded.network, box, threshold);
  } catch (err) {
    if (err instanceof ScaleError) throw new UsageError(`${loaded.path}: ${err.message}`);
    throw err;
  }
}

/** HiGHS and the pre-activation bounds a count runs with, and what computing them cost. */
export interface CountingBounds {
  highs: Highs;
  bounds: PreActivationBounds;
  /** LPs solved for the bounds (0 with interval tightening). */
  lps: number;
  /** Seconds spent loading HiGHS and computing the bounds. */
  seconds: number;
}

/**
 * Runs the loading of HiGHS and the bound tightening: the identity, or an executor's wrapper (the Node runner
 * compiles HiGHS with V8's baseline tier only, src/run/baseline-wasm.ts).
 */
export type AroundTightening = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Pre-activation bounds over `box` by a tightening ({@link DEFAULT_TIGHTENING} when absent): LP tightening (exact
 * per-unit LPs, `lpBounds`) or interval arithmetic. The one place the MILP, MIPBound and their runners choose.
 */
export function tightenedBounds(net: Network, box: Box, highs: Highs, tightening?: Tightening): PreActivationBounds {
  return tighteningOf(tightening) === "lp" ? lpBounds(net, box, highs) : intervalBounds(net, box);
}

/**
 * Load HiGHS and compute the pre-activation bounds a count uses: LP tightening (counting needs stability only, so
 * last-layer units that sample points show taking both signs skip their LPs) or interval arithmetic. The tree the
 * engine explores depends on these bounds, so every part of one count must use the same ones.
 */
export async function countingBounds(
  net: Network,
  box: Box,
  tightening: Tightening,
  around: AroundTightening = (work) => work(),
): Promise<CountingBounds> {
  const t0 = Date.now();
  return around(async () => {
    const highs = await loadHighs();
    const tightenStats = { lps: 0 };
    const bounds: PreActivationBounds =
      tightening === "lp"
        ? lpBounds(net, box, highs, { stats: tightenStats, knownUnstable: unitsSeenUnstable(net, box) })
        : intervalBounds(net, box);
    return { highs, bounds, lps: tightenStats.lps, seconds: (Date.now() - t0) / 1000 };
  });
}

/** The tasks of shard `index` of `count`: those whose index in the split is ≡ index (mod count). */
export function shardTasks<T>(tasks: T[], shard: { index: number; count: number } | undefined): T[] {
  return shard ? tasks.filter((_, i) => i % shard.count === shard.index) : tasks;
}

/** A planned count: the problem at unit scale, its bounds, the enumerator and the task split. */
export interface CountPlan {
  spec: CountSpec;
  /** The network and box at unit scale; every tolerance judges this form. */
  problem: UnitScaleProblem;
  /** {@link networkFingerprint} of the model as given. */
  fingerprint: string;
  highs: Highs;
  bounds: PreActivationBounds;
  enumerator: RegionEnumerator;
  /** The whole split, and the tasks this run counts (a shard's, or all). */
  allTasks: Task[];
  tasks: Task[];
  /** {@link splitDigest} of the whole split. */
  digest: string;
  tighteningLps: number;
  tighteningSeconds: number;
  splitLps: number;
}

/**
 * Plan a count: bring the problem to unit scale, tighten the pre-activation bounds, build the enumerator with the
 * exact oracle `exact(highs)` and split the search into tasks. The split is fixed by the network, the domain, the
 * threshold, the tightening and the task target, never by how the tasks are run.
 */
export async function planCount(
  loaded: { network: Network; path: string },
  spec: CountSpec,
  opts: { exact: (highs: Highs) => ExactMarginSolver; shard?: { index: number; count: number }; around?: AroundTightening },
): Promise<CountPlan> {
  // The network and box at unit scale (the identity on [0, 1] and [−1, 1] boxes): every tolerance, from the bound
  // tightening's to the interior threshold, judges this form; points and maps are given back in the model's inputs.
  const problem = unitScaleFor(loaded, spec.box, spec.threshold);
  const { highs, bounds, lps: tighteningLps, seconds: tighteningSeconds } = await countingBounds(problem.net, problem.box, spec.tightening, opts.around);
  const enumerator = new RegionEnumerator(problem.net, {
    box: problem.box,
    threshold: problem.threshold,
    bounds,
    exact: opts.exact(highs),
    ...(spec.plain ? PLAIN_SEARCH : {}),
  });
  const fingerprint = networkFingerprint(loaded.network);
  const before = enumerator.stats.lps;
  const allTasks = enumerator.splitTasks(spec.taskTarget).tasks;
  const splitLps = enumerator.stats.lps - before;
  return {
    spec, problem, fingerprint, highs, bounds, enumerator, allTasks, tasks: shardTasks(allTasks, opts.shard),
    digest: splitDigest(allTasks), tighteningLps, tighteningSeconds, splitLps,
  };
}

/** Progress of a running count, as handed to an executor's progress callback. */
export interface CountProgressEvent {
  /** Regions found so far (finished tasks and those still running). */
  regions: number;
  tasksDone: number;
  tasks: number;
}

/** The result of an engine count, however it was executed (threads, queue, merged shards). */
export interface CountRunResult extends CountResult {
  stats: EngineStats;
  tasks: number;
  tasksDone: number;
  workers: number;
  tightening: Tightening;
  verify?: VerifyReport;
  checkpointWritten?: string;
  /** Part of `seconds` spent loading HiGHS and tightening pre-activation bounds. */
  tighteningSeconds: number;
  /** LPs of the bound tightening and of the task split (both included in `lps`). */
  tighteningLps: number;
  splitLps: number;
  /** Tasks of the whole split (`tasks` counts only a shard's when sharded). */
  splitTasks: number;
  /** How the count was run, when not by local worker threads (queue, merged shards): replaces the worker count in reports. */
  execution?: string;
  /** How to continue an unfinished count, when not from a checkpoint file. */
  resumeHint?: string;
  /** Counted by the plain search (`--plain`). */
  plain?: boolean;
  /** {@link splitDigest} of the whole task split (sharded counts: merge checks that parts share it). */
  splitDigest?: string;
  /** This run's tasks (their decisions) and each one's regions (0 while not done), in split order. */
  perTask?: [string, number][];
  /** With `profile`: the LP profile of the tasks run here (src/lp/profile.ts). */
  profile?: LpProfileReport;
}
