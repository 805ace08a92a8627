/**
 * The counting engine's public vocabulary: its options, statistics, region sink and cell filter. Types and constants
 * only, so that every room of the engine (search, certificate, flats, task split) can name them without importing
 * the search itself.
 */
import type { ExactMarginSolver } from "../lp/exact-margin.ts";
import type { Box } from "../model/network.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";

/** Statistics of an enumeration run. */
export interface EngineStats {
  regions: number;
  lps: number;
  /** Children accepted through the parent's witness, without an LP. */
  witnessHits: number;
  /** LPs that failed numerically (iteration limit) and went to the exact oracle. */
  lpFailures: number;
  /** Children shown empty by the exact cell (1-D and 2-D inputs), without an LP. */
  cellRefutations: number;
  /** Children certified by stepping the witness across the new hyperplane, without an LP. */
  stepHits: number;
  /** LPs whose answer fell within the perturbation band and went to the exact oracle. */
  ambiguous: number;
}

/** Called for each region: `pattern` and `point` are reused buffers, copy them to keep them. */
export type RegionSink = (pattern: Uint8Array, point: Float64Array, radius: number) => void;

/**
 * A filter on the cells of the search (e.g. "meets a ball"): called when a child cell is kept, with its half-spaces
 * rows[i] · x ≥ rhs[i] (i < m, rows m × n0 row-major, unit normals; the box bounds x as well), an interior point and
 * that point's margin. Returning false prunes the cell and its whole subtree, so the predicate must be monotone:
 * true for a cell ⇒ true for every cell that contains it. The arrays are reused buffers: copy what you keep.
 */
export type CellFilter = (rows: Float64Array, rhs: Float64Array, m: number, point: Float64Array, margin: number) => boolean;

/**
 * The enumerator's options that turn its accelerations off (exact 2-D cells, line search, central certificate,
 * farthest-first branching, flats): the plain sign-vector search, one LP per child the witness cannot settle. It
 * gives the same count, more slowly: spread into the options to cross-check a count (`tessera count --plain`).
 */
export const PLAIN_SEARCH = { exactCells: false, lineSearch: false, central: false, farthestFirst: false, flats: false, belowCertificates: false } as const;

/** Options of the enumerator. */
export interface EnumeratorOptions {
  /** Exact oracle for borderline LPs (e.g. HiGHS via `highsMarginSolver`). Without it they are decided by the
   * returned point's margin and counted in `stats.ambiguous`. */
  exact?: ExactMarginSolver;
  box: Box;
  threshold?: number;
  /** Keep exact cells in 1-D and 2-D to skip LPs of empty children (default true; false for comparisons). */
  exactCells?: boolean;
  /** Certify some children by a line search from the parent's witness instead of an LP (default true; false for
   * comparisons). Counts are the same either way: a point found so is accepted only on its computed margin. */
  lineSearch?: boolean;
  /**
   * Keep the dual-bound certificate of each child proved empty and reuse it, without an LP, wherever the same child
   * rows come up in the subtree of the deepest cell it needs (src/lp/below-certificates.ts; default on).
   */
  belowCertificates?: boolean;
  /** Pre-activation bounds over the box (default: interval arithmetic). Tighter bounds mean fewer hyperplanes. */
  bounds?: PreActivationBounds;
  /** Keep only cells this filter accepts (see {@link CellFilter}); without it every cell is kept, at no cost. */
  acceptCell?: CellFilter;
  /** Certify the last layers' children at once around a point on all their hyperplanes (default: when the input has
   * at least CENTRAL_INPUTS_PER_UNIT (certificate.ts) dimensions per hidden unit). Counts are the same either way. */
  central?: boolean;
  /** Branch on the last layer's units in order of their hyperplanes' distance from the cell's witness, farthest first
   * (default: above EXACT_CELL_MAX_DIM (exact-cells-2d.ts) inputs; in 1-D and 2-D the exact cells already skip the LPs it saves). Counts
   * are the same either way. */
  farthestFirst?: boolean;
  /** Count the last layer's regions in a cell by the flats of its remaining hyperplanes that meet the cell
   * (`FlatComplex`) when their normals are independent, instead of searching their signs (default: with the
   * central certificate). Used only when no region is handed to a sink. Counts are the same either way. */
  flats?: boolean;
  /** MarginLP's pivot-row path: "auto" (the WebAssembly SIMD kernel where available) or "js" (benchmarks, tests). */
  lpKernel?: "auto" | "js";
}
