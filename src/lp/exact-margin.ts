/**
 * The exact margin oracle's signature, shared by the counting engine (which calls it for the rare borderline LPs) and
 * the solvers that implement it (`highsMarginSolver`). It lives in `lp/` so that `lp/` never imports from `count/`.
 */
import type { Box } from "../model/network.ts";

/**
 * An exact LP oracle for the rare margin LPs whose optimum lies within the cost perturbation of the threshold:
 * maximise t s.t. rows[i] · x − t ≥ rhs[i] (rows: m × n0 row-major), x in the box. Returns t and a maximiser.
 */
export type ExactMarginSolver = (
  rows: Float64Array,
  rhs: Float64Array,
  m: number,
  box: Box,
) => { t: number; x: Float64Array };
