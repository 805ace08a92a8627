import type { ActivationPattern, AffineMap } from "../model/evaluate.ts";
import type { Box } from "../model/network.ts";
import type { StableUnitCounts } from "../bounds/stable-units.ts";

// The interior-radius threshold and every other default of a count live with the count spec (session.ts).
export { DEFAULT_INTERIOR_THRESHOLD } from "./session.ts";

/** One full-dimensional region found by a counter. */
export interface RegionRecord {
  pattern: ActivationPattern;
  /** A point of the domain inside the region. */
  point: Float64Array;
  /** The ball of this radius around `point` lies in the region's polyhedron {x : pattern(x) = pattern}. */
  radius: number;
  /** On request: f(x) = J x + c on the region. */
  affineMap?: AffineMap;
}

/** Stable units over the domain (their pattern bit is fixed, so they add no hyperplane), per layer and in total. */
export interface StableUnitReport extends StableUnitCounts {
  /** Stably active plus stably inactive units over all layers. */
  total: number;
}

/** Progress reported while counting. */
export interface CountProgress {
  regions: number;
  lps: number;
  /** Fraction of the work done in [0, 1] when it can be estimated. */
  fraction?: number;
  /** Units of work (subtrees, tasks) still pending. */
  pending?: number;
  /** Of `regions`, those carried over from a checkpoint (found by an earlier run, not this one). */
  resumedRegions?: number;
}

/** The result of counting the regions of a network inside a domain. */
export interface CountResult {
  method: "engine" | "milp" | "mipbound";
  regions: number;
  stableUnits: StableUnitReport;
  /** Linear (or mixed-integer) programs solved. */
  lps: number;
  seconds: number;
  /** False when the run was interrupted before finishing (the count is then a partial one). */
  complete: boolean;
  threshold: number;
}

/** Options every counter takes. */
export interface CountOptions {
  box: Box;
  /** Interior-radius threshold, default {@link DEFAULT_INTERIOR_THRESHOLD}. */
  threshold?: number;
  /** Called for each region found, in a deterministic order for a given network and task split. */
  onRegion?: (region: RegionRecord) => void;
  onProgress?: (progress: CountProgress) => void;
}
