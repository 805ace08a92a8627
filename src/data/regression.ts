/**
 * The 2-D regression datasets of TensorFlow Playground (Smilkov & Carter, playground.tensorflow.org, src/dataset.ts:
 * regressPlane and regressGaussian), generated as Playground does from a seeded generator and scaled from Playground's
 * view [−6, 6]² to Tessera's [−1, 1]² (coordinates ÷ 6; the targets keep Playground's range [−1, 1]). A network
 * for them has ONE output, trained with mean squared error; its picture shows the output's zero-level set instead of a
 * class boundary. Isomorphic: the browser explorer and the tests share it.
 */
import { uniformBox } from "../model/network.ts";
import { mulberry32, uniform } from "../util/random.ts";
import { checkSplitOptions, DataError, seededPermutation, type LabelledPoints, type PointDataset } from "./dataset.ts";

/** The dataset kinds of {@link regressionDataset}: Playground's "plane" and "multi Gaussian" regressions. */
export const REGRESSION_KINDS = ["plane", "multigauss"] as const;
export type RegressionKind = (typeof REGRESSION_KINDS)[number];

/**
 * A regression dataset: points with real targets. It is also a {@link PointDataset} with `classes` = 1 (one output)
 * so that code which draws points can draw it: `y` is then the sign label of each target (0: target > 0, drawn
 * blue as Playground's positive values; 1: target ≤ 0, orange), named by `classNames`.
 */
export interface RegressionDataset extends PointDataset {
  /** Target of every training and test point, in the order of `train.x` and `test.x`. */
  targets: { train: Float64Array; test: Float64Array };
}

/** Is this dataset a regression (real targets, one output)? */
export function isRegression(d: PointDataset): d is RegressionDataset {
  return (d as Partial<RegressionDataset>).targets !== undefined;
}

/** Options of {@link regressionDataset} (as {@link PlanarOptions}). */
export interface RegressionOptions {
  /** Number of points, train and test together (default 500, as Playground). */
  n?: number;
  /** Playground's noise level as a fraction 0…0.5: the target is read at a point moved by up to ±6·noise. */
  noise?: number;
  /** Seed of the generator and of the split (default 1). */
  seed?: number;
  /** Share of the points held out for testing, in [0, 1) (default 0.5). */
  testFraction?: number;
}

/** Playground's coordinates span [−6, 6]; Tessera's planar box is [−1, 1]. */
const PLAYGROUND_HALF_WIDTH = 6;

/** Playground regressGaussian's bumps: centre and sign (its coordinates). */
const BUMPS: [number, number, number][] = [
  [-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
  [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1],
];

/** Playground's target of a kind at (x, y) in its own coordinates. */
export function regressionTarget(kind: RegressionKind, x: number, y: number): number {
  if (kind === "plane") return (x + y) / 10; // d3.scale.linear().domain([−10, 10]).range([−1, 1]) of x + y
  let label = 0;
  for (const [cx, cy, sign] of BUMPS) {
    // d3.scale.linear().domain([0, 2]).range([1, 0]).clamp(true) of the distance, signed; the strongest bump wins.
    const v = sign * Math.min(1, Math.max(0, 1 - Math.hypot(x - cx, y - cy) / 2));
    if (Math.abs(v) > Math.abs(label)) label = v;
  }
  return label;
}

/**
 * Generate one of Playground's 2-D regression datasets in [−1, 1]², shuffled and split into train and test points.
 * The same kind, options and seed always give the same data.
 *
 * @example
 * const data = regressionDataset("plane", { n: 200, noise: 0.1, seed: 3 });
 * data.targets.train; // Float64Array of 100 targets in [−1, 1]
 */
export function regressionDataset(kind: RegressionKind, options: RegressionOptions = {}): RegressionDataset {
  const n = options.n ?? 500, noise = options.noise ?? 0, seed = options.seed ?? 1, testFraction = options.testFraction ?? 0.5;
  if (!REGRESSION_KINDS.includes(kind)) throw new DataError(`unknown regression dataset "${kind}" (expected one of ${REGRESSION_KINDS.join(", ")})`);
  if (!Number.isInteger(n) || n < 2) throw new DataError(`number of points must be an integer >= 2, got ${n}`);
  if (!(noise >= 0 && Number.isFinite(noise))) throw new DataError(`noise must be a finite number >= 0, got ${noise}`);
  checkSplitOptions(testFraction, seed);
  const rand = mulberry32(seed);
  const r = PLAYGROUND_HALF_WIDTH;
  const x = new Float64Array(2 * n), t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Playground: the point is uniform in [−6, 6]², the target is read at a noisy copy of it.
    const px = uniform(rand, -r, r), py = uniform(rand, -r, r);
    const nx = uniform(rand, -r, r) * noise, ny = uniform(rand, -r, r) * noise;
    x[2 * i] = px / r;
    x[2 * i + 1] = py / r;
    t[i] = regressionTarget(kind, px + nx, py + ny);
  }
  // The split of planar.ts (seed ^ 0x5eed), carrying the targets along.
  const perm = seededPermutation(n, seed ^ 0x5eed);
  const nTrain = Math.round(n * (1 - testFraction));
  const take = (from: number, to: number): [LabelledPoints, Float64Array] => {
    const px = new Float64Array(2 * (to - from)), py = new Uint8Array(to - from), pt = new Float64Array(to - from);
    for (let k = from; k < to; k++) {
      const i = perm[k];
      px[2 * (k - from)] = x[2 * i];
      px[2 * (k - from) + 1] = x[2 * i + 1];
      pt[k - from] = t[i];
      py[k - from] = t[i] > 0 ? 0 : 1;
    }
    return [{ x: px, y: py }, pt];
  };
  const [train, trainT] = take(0, nTrain), [test, testT] = take(nTrain, n);
  return { train, test, targets: { train: trainT, test: testT }, classes: 1, classNames: ["target > 0", "target ≤ 0"], dim: 2, box: uniformBox(2, -1, 1) };
}
