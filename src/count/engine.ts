/**
 * The counting engine's public face: exact enumeration of the full-dimensional activation regions of a network inside
 * a box. This module only gathers the names callers use (the CLI, workers, queues, `tessera`'s index); the engine
 * itself lives in rooms named after what they do, each readable alone:
 *
 * - `search.ts` — {@link RegionEnumerator}: the depth-first search over activation patterns (start reading here);
 * - `search-context.ts` — the problem, unit layout and path state the rooms share;
 * - `children.ts` — the half-spaces each child of a unit adds (ReLU-like and maxout);
 * - `unit-forms.ts` — the units' affine forms on a cell, stability, zero-normal thresholds;
 * - `task-split.ts` — the split of the search into tasks (workers, checkpoints, shards);
 * - `exact-cells-2d.ts` — exact 1-D/2-D cells that refute empty children without an LP;
 * - `line-search.ts` — stepping the witness across a new hyperplane without an LP;
 * - `certificate.ts` — the central certificate on the last layers (with `central.ts`, its margin);
 * - `flats.ts` — counting the last layer's regions in a cell by the flats that meet it;
 * - `search-options.ts` — options, statistics, sinks and filters.
 */
export { RegionEnumerator } from "./search.ts";
export { PLAIN_SEARCH } from "./search-options.ts";
export type { CellFilter, EngineStats, EnumeratorOptions, RegionSink } from "./search-options.ts";
export type { ExactMarginSolver } from "../lp/exact-margin.ts";
export { compareTasks, DEFAULT_TASK_TARGET, type Task } from "./task-split.ts";
export { stableUnitReport, ZERO_ROW_NORM } from "./unit-forms.ts";
export { CELL_SAFETY, EXACT_CELL_MAX_DIM } from "./exact-cells-2d.ts";
