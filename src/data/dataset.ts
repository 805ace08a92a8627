/**
 * The shape shared by Tessera's labelled datasets of points (2-D generators, user CSV files): flat coordinates, class
 * labels 0…K−1, a train/test split and the view box. Isomorphic (no Node APIs).
 */
import type { Box } from "../model/network.ts";
import { mulberry32 } from "../util/random.ts";

/** Bad data or impossible dataset options: a one-line message (the CLI prints it and exits 2). */
export class DataError extends Error {
  override name = "DataError";
}

/** Labelled points: `x` holds `count × dim` coordinates row by row, `y` one class label per point. */
export interface LabelledPoints {
  x: Float64Array;
  y: Uint8Array;
}

/** A labelled dataset split into training and test points. */
export interface PointDataset {
  train: LabelledPoints;
  test: LabelledPoints;
  /** Number of classes K; labels are 0…K−1. */
  classes: number;
  /** Name of each class, for legends (index = label). */
  classNames: string[];
  /** Input dimension (2 for planar data). */
  dim: number;
  /** The rectangle the data live in and pictures show. */
  box: Box;
}

/** Seeded permutation of 0…n−1 (Fisher–Yates driven by mulberry32). */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const rand = mulberry32(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Shuffle `count` points (seeded) and split them: the first round(count × (1 − testFraction)) go to training, the rest
 * to test. The same seed gives the same split.
 */
export function splitPoints(x: Float64Array, y: Uint8Array, dim: number, testFraction: number, seed: number): { train: LabelledPoints; test: LabelledPoints } {
  const count = y.length;
  const perm = seededPermutation(count, seed);
  const nTrain = Math.round(count * (1 - testFraction));
  const take = (from: number, to: number): LabelledPoints => {
    const px = new Float64Array((to - from) * dim), py = new Uint8Array(to - from);
    for (let k = from; k < to; k++) {
      const i = perm[k];
      for (let d = 0; d < dim; d++) px[(k - from) * dim + d] = x[i * dim + d];
      py[k - from] = y[i];
    }
    return { x: px, y: py };
  };
  return { train: take(0, nTrain), test: take(nTrain, count) };
}

/** Check a test fraction in [0, 1) and a seed that is an integer; throws {@link DataError}. */
export function checkSplitOptions(testFraction: number, seed: number): void {
  if (!(testFraction >= 0 && testFraction < 1)) throw new DataError(`test fraction must be in [0, 1), got ${testFraction}`);
  if (!Number.isInteger(seed)) throw new DataError(`seed must be an integer, got ${seed}`);
}
