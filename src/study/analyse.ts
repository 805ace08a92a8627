/**
 * Everything the Serra et al. 2018 study records about one trained network: its exact region count over the domain
 * (the engine, LP-tightened bounds, HiGHS as exact oracle), the bounds the paper plots, and the activation patterns
 * of sample inputs (a lower bound on the count that is also checked pattern by pattern). Node only (HiGHS loading
 * goes through the CLI's counting set-up).
 */
import { montufar2017, serra2018Upper, trivialUpperBound } from "../bounds/rectifier-upper.ts";
import { serra2018StableUpper } from "../bounds/stable-units.ts";
import { countingBounds } from "../count/session.ts";
import { countRegions } from "../count/count.ts";
import { type CountProgress } from "../count/types.ts";
import { interiorThreshold } from "../count/session.ts";
import { highsMarginSolver } from "../lp/highs-margin.ts";
import { activationPatternAt, patternToString } from "../model/evaluate.ts";
import { hiddenWidths, type Box, type Network } from "../model/network.ts";
import { stableUnitsFromBounds, type PreActivationBounds } from "../tighten/interval.ts";

/** The bounds of one network, exact integers as decimal strings (JSON has no BigInt). */
export interface StudyBounds {
  /** Montúfar, Pascanu, Cho & Bengio 2014: 2^N, one region per activation pattern. */
  montufar2014: string;
  /** Montúfar 2017: ∏_l Σ_{j ≤ d_l} C(n_l, j), d_l = min{n0, …, n_l}. */
  montufar2017: string;
  /** Serra, Tjandraatmadja & Ramalingam 2018, rectifier upper bound. */
  serra2018: string;
  /** The same with the units that LP tightening proves stable over the domain (Serra et al. 2018 bound with stable units). */
  serra2018Stable: string;
}

/** What the study records about a network's regions. */
export interface RegionAnalysis {
  regions: number;
  /** Interior-radius threshold of the count. */
  threshold: number;
  /** Seconds of the whole count, of which `tighteningSeconds` loading HiGHS and tightening bounds. */
  countSeconds: number;
  tighteningSeconds: number;
  lps: number;
  /** Stably active / inactive units per hidden layer over the domain (LP tightening). */
  stableActive: number[];
  stableInactive: number[];
  bounds: StudyBounds;
  /** Distinct activation patterns among the probe inputs (every one is a region: a lower bound on `regions`). */
  probePatterns: number;
  /**
   * Probe patterns the count did not find (0 unless a probe lies in a region thinner than the threshold); null when
   * the count ran on a work queue, whose workers report numbers, not patterns (then only `regions ≥ probePatterns`
   * is checked).
   */
  probePatternsMissed: number | null;
  /** Probe inputs evaluated. */
  probes: number;
}

/** A count resumed from a checkpoint: the finished tasks and what they found. */
export interface ResumedCount {
  /** Number of tasks of the split (must equal this run's: the split is deterministic). */
  tasks: number;
  /** Finished tasks: the task's decisions as a string of digits → [regions, lps]. */
  done: Map<string, [number, number]>;
  /** Probe patterns not yet found by the finished tasks. */
  missing: string[];
  /** Counting seconds of earlier runs. */
  seconds: number;
}

/** Options of {@link analyseRegions}. */
export interface AnalyseOptions {
  threshold?: number;
  onProgress?: (p: CountProgress) => void;
  /** Skip the tasks an earlier run finished (see src/study/partial.ts). */
  resume?: ResumedCount;
  /** Called after each task with the state to checkpoint (the caller throttles writing). */
  onCheckpoint?: (state: ResumedCount) => void;
}

/** Distinct activation patterns of `count` inputs stored row by row in `x`. */
export function patternsOf(net: Network, x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, count: number): Set<string> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add(patternToString(activationPatternAt(net, x.subarray(i * net.inputDim, (i + 1) * net.inputDim))));
  return seen;
}

/** The stable units and the bounds of Serra et al. 2018's figure, from the LP-tightened pre-activation bounds. */
export function studyBoundsOf(net: Network, bounds: PreActivationBounds): Pick<RegionAnalysis, "stableActive" | "stableInactive" | "bounds"> {
  const stable = stableUnitsFromBounds(net, bounds);
  const n0 = net.inputDim, widths = hiddenWidths(net);
  return {
    stableActive: [...stable.active],
    stableInactive: [...stable.inactive],
    bounds: {
      montufar2014: trivialUpperBound(widths).toString(),
      montufar2017: montufar2017(n0, widths).toString(),
      serra2018: serra2018Upper(n0, widths).toString(),
      serra2018Stable: serra2018StableUpper(n0, widths, stable).toString(),
    },
  };
}

/**
 * Count the regions of a ReLU network in `box`, check that every activation pattern of the probe inputs is among
 * them, and compute the bounds of Serra et al. 2018's figure (architecture bounds and the stable-unit bound from
 * the same LP-tightened pre-activation bounds the count uses).
 */
export async function analyseRegions(net: Network, box: Box, probes: { x: Float32Array | Float64Array; count: number }, options: AnalyseOptions = {}): Promise<RegionAnalysis> {
  const threshold = interiorThreshold(options.threshold);
  const t0 = performance.now();
  const { highs, bounds, seconds: tighteningSeconds, lps: tighteningLps } = await countingBounds(net, box, "lp");
  const wanted = patternsOf(net, probes.x, probes.count);
  const resume = options.resume;
  const missing = resume ? new Set(resume.missing.filter((p) => wanted.has(p))) : new Set(wanted);
  const done = new Map(resume?.done ?? []);
  let earlierRegions = 0, earlierLps = 0;
  for (const [r, l] of done.values()) {
    earlierRegions += r;
    earlierLps += l;
  }
  let matched = 0;
  const state = (tasks: number): ResumedCount => ({ tasks, done, missing: [...missing], seconds: (resume?.seconds ?? 0) + (performance.now() - t0) / 1000 });
  const onProgress = options.onProgress;
  const result = countRegions(net, {
    box,
    threshold,
    bounds,
    exact: highsMarginSolver(highs),
    onRegion: (r) => missing.delete(patternToString(r.pattern)),
    onProgress: onProgress && ((p) => onProgress({ ...p, regions: p.regions + earlierRegions, resumedRegions: earlierRegions })),
    skipTask: (task) => {
      const skip = resume !== undefined && resume.done.has(task.join(""));
      if (skip) matched++;
      return skip;
    },
    onTaskDone: (task, regions, lps, tasks) => {
      if (resume && resume.tasks !== tasks) throw new Error(`the checkpoint has ${resume.tasks} tasks, this split ${tasks}`);
      done.set(task.join(""), [regions, lps]);
      options.onCheckpoint?.(state(tasks));
    },
  });
  // Every task the checkpoint lists must be a task of this split, or its regions would be counted for cells that are not.
  if (resume && matched !== resume.done.size) throw new Error(`the count's checkpoint lists ${resume.done.size - matched} tasks that are not in this split: delete it to recount`);
  return {
    regions: result.regions + earlierRegions,
    threshold,
    countSeconds: (resume?.seconds ?? 0) + (performance.now() - t0) / 1000,
    tighteningSeconds,
    lps: result.lps + earlierLps + tighteningLps,
    ...studyBoundsOf(net, bounds),
    probePatterns: wanted.size,
    probePatternsMissed: missing.size,
    probes: probes.count,
  };
}

/**
 * The checks every network of the study must pass: the count is at least the number of distinct probe patterns,
 * every probe pattern was found, and the count is at most the stable-unit bound (hence the rectifier bound). Returns
 * the problems found (empty when all hold).
 */
export function checkRegionAnalysis(a: RegionAnalysis): string[] {
  const problems: string[] = [];
  if (a.regions < a.probePatterns) problems.push(`count ${a.regions} is below the ${a.probePatterns} distinct activation patterns of the ${a.probes} digits`);
  if (a.probePatternsMissed !== null && a.probePatternsMissed > 0) problems.push(`${a.probePatternsMissed} activation patterns of digits are not among the counted regions (a region thinner than the threshold ${a.threshold}?)`);
  if (BigInt(a.regions) > BigInt(a.bounds.serra2018Stable)) problems.push(`count ${a.regions} exceeds the stable-unit bound ${a.bounds.serra2018Stable}`);
  if (BigInt(a.bounds.serra2018Stable) > BigInt(a.bounds.serra2018)) problems.push(`the stable-unit bound ${a.bounds.serra2018Stable} exceeds the rectifier bound ${a.bounds.serra2018}`);
  return problems;
}
