/**
 * `countRegions`: the library entry of the fast engine. Splits the search into tasks exactly as the parallel CLI
 * does, runs them in order in this thread, and reports the count with its statistics. Isomorphic (no Node APIs).
 */
import type { Network } from "../model/network.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { DEFAULT_TASK_TARGET, RegionEnumerator, stableUnitReport } from "./engine.ts";
import { scaleBoundsToUnits, toOriginalInput, toOriginalRadius, unitScaleProblem } from "../model/normalise.ts";
import type { CellFilter, EngineStats, ExactMarginSolver, Task } from "./engine.ts";
import type { CountOptions, CountResult } from "./types.ts";
import { interiorThreshold } from "./session.ts";
import { regionForms } from "../model/evaluate.ts";

/** Options of {@link countRegions}. */
export interface EngineCountOptions extends CountOptions {
  /** Pre-activation bounds over the box (default interval arithmetic; pass `lpBounds(...)` for tighter ones). */
  bounds?: PreActivationBounds;
  /** Exact oracle for borderline LPs (`highsMarginSolver(await loadHighs())`). */
  exact?: ExactMarginSolver;
  /** Attach each region's affine map f(x) = J x + c to the records given to `onRegion`. */
  affineMaps?: boolean;
  /** Exact cells in 1-D and 2-D (default true): see `EnumeratorOptions.exactCells`. */
  exactCells?: boolean;
  /** Line search across new hyperplanes instead of some LPs (default true): see `EnumeratorOptions.lineSearch`. */
  lineSearch?: boolean;
  /** Count the last layers' children in bulk around a point on all their hyperplanes (default: for inputs with many
   * dimensions per unit): see `EnumeratorOptions.central`. */
  central?: boolean;
  /** Branch on the last layer's units farthest from the witness first (default: from 3 inputs): see
   * `EnumeratorOptions.farthestFirst`. */
  farthestFirst?: boolean;
  /** Count the last layer's regions in a cell by the flats of its hyperplanes that meet it (default: with the central
   * certificate; never when regions are handed to `onRegion`): see `EnumeratorOptions.flats`. */
  flats?: boolean;
  /** Number of tasks to split the search into (default {@link DEFAULT_TASK_TARGET}); does not change the count. */
  taskTarget?: number;
  /** Count only the regions whose cells this monotone filter accepts (e.g. those meeting a ball); see `CellFilter`. */
  acceptCell?: CellFilter;
  /**
   * Resuming: tasks already counted by an earlier run, skipped here. Identify a task by its decisions (`task`), not
   * by its index: the split's set of cells is fixed, but their order follows the witnesses and may change between
   * versions. The result then holds only this run's regions and LPs; the caller adds the earlier ones.
   */
  skipTask?: (task: Task, index: number) => boolean;
  /** Called after each task with its decisions, its own regions and LPs, and the split's size (for checkpoints). */
  onTaskDone?: (task: Task, regions: number, lps: number, tasks: number) => void;
}

/** Engine result: the common counting result plus the engine's own statistics. */
export interface EngineCountResult extends CountResult {
  stats: EngineStats;
  tasks: number;
}

/**
 * Count every full-dimensional linear region of `net` inside `opts.box` (exact enumeration; see search.ts).
 *
 * @example
 * const r = countRegions(net, { box: uniformBox(2, -1, 1) });
 * r.regions; // 1557 for random-2-32-32-s5
 */
export function countRegions(model: Network, opts: EngineCountOptions): EngineCountResult {
  const t0 = now();
  const threshold = interiorThreshold(opts.threshold);
  // At unit scale (unitScaleProblem: inputs and units rescaled, the threshold judged there or refused with a
  // ScaleError); a cell filter sees the cells as given, so with one the box is used as it is (only units rescaled).
  const problem = opts.acceptCell ? undefined : unitScaleProblem(model, opts.box, threshold);
  const net = problem?.net ?? model;
  const box = problem?.box ?? opts.box;
  const bounds = problem && opts.bounds ? scaleBoundsToUnits(opts.bounds, problem.exponents) : opts.bounds;
  const engine = new RegionEnumerator(net, { box, threshold: problem?.threshold ?? threshold, bounds, exact: opts.exact, exactCells: opts.exactCells, lineSearch: opts.lineSearch, central: opts.central, farthestFirst: opts.farthestFirst, flats: opts.flats, acceptCell: opts.acceptCell });
  const { tasks } = engine.splitTasks(opts.taskTarget ?? DEFAULT_TASK_TARGET);
  const onRegion = opts.onRegion;
  const inputs = problem?.inputs;
  const sink = onRegion
    ? (pattern: Uint8Array, point: Float64Array, radius: number) => {
        const p = Uint8Array.from(pattern);
        onRegion({
          pattern: p,
          point: inputs ? toOriginalInput(inputs, point) : Float64Array.from(point),
          radius: inputs ? toOriginalRadius(inputs, radius) : radius,
          affineMap: opts.affineMaps ? regionForms(model, p).output : undefined,
        });
      }
    : undefined;
  const tick = opts.onProgress
    ? () => opts.onProgress!({ regions: engine.stats.regions, lps: engine.stats.lps })
    : undefined;
  for (let i = 0; i < tasks.length; i++) {
    if (opts.skipTask?.(tasks[i], i)) continue;
    const lpsBefore = engine.stats.lps;
    const found = engine.runTask(tasks[i], sink, tick);
    opts.onTaskDone?.(tasks[i], found, engine.stats.lps - lpsBefore, tasks.length);
    opts.onProgress?.({
      regions: engine.stats.regions,
      lps: engine.stats.lps,
      fraction: (i + 1) / tasks.length,
      pending: tasks.length - i - 1,
    });
  }
  return {
    method: "engine",
    regions: engine.stats.regions,
    stableUnits: stableUnitReport(model, engine.bounds),
    lps: engine.stats.lps,
    seconds: (now() - t0) / 1000,
    complete: true,
    threshold,
    stats: { ...engine.stats },
    tasks: tasks.length,
  };
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
