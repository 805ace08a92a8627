/**
 * The classic 2-D classification datasets of TensorFlow Playground (Smilkov & Carter, playground.tensorflow.org,
 * src/dataset.ts): circle, xor, gauss (two Gaussians) and spiral, generated exactly as Playground does but from a
 * seeded generator, and scaled from Playground's view [−6, 6]² to Tessera's [−1, 1]² (coordinates ÷ 6), the box of
 * the 2-input fixtures. Isomorphic: the browser explorer and `tessera train` share it.
 *
 * Playground's +1 class becomes class 0 (drawn blue) and its −1 class class 1 (drawn orange), so pictures match
 * Playground's colours. As in Playground, circle and xor labels come from a noisy copy of each point while the point
 * itself is stored without noise; gauss and spiral points carry their noise. With large noise a few gauss and spiral
 * points fall outside the box.
 */
import { uniformBox } from "../model/network.ts";
import { gaussian, mulberry32, uniform } from "../util/random.ts";
import { checkSplitOptions, DataError, splitPoints, type PointDataset } from "./dataset.ts";

/** The dataset kinds of {@link planarDataset}. */
export const PLANAR_KINDS = ["circle", "xor", "gauss", "spiral"] as const;
export type PlanarKind = (typeof PLANAR_KINDS)[number];

/** Options of {@link planarDataset}. */
export interface PlanarOptions {
  /** Number of points, train and test together (default 500, as Playground). */
  n?: number;
  /** Playground's noise level: its slider 0–50 % as a fraction 0…0.5 (larger values are allowed; default 0). */
  noise?: number;
  /** Seed of the generator and of the split (default 1). */
  seed?: number;
  /** Share of the points held out for testing, in [0, 1) (default 0.5, Playground's default ratio). */
  testFraction?: number;
}

/** Playground's coordinates span [−6, 6]; Tessera's planar box is [−1, 1]. */
const PLAYGROUND_HALF_WIDTH = 6;

const CLASS_NAMES: Record<PlanarKind, string[]> = {
  circle: ["inside", "outside"],
  xor: ["same sign", "opposite signs"],
  gauss: ["around (1/3, 1/3)", "around (−1/3, −1/3)"],
  spiral: ["arm 1", "arm 2"],
};

/**
 * Generate one of Playground's 2-D datasets in [−1, 1]², shuffled and split into train and test points.
 * The same kind, options and seed always give the same data.
 *
 * @example
 * const data = planarDataset("spiral", { n: 400, noise: 0.1, seed: 7 });
 * data.train.x; // Float64Array of 2 × 200 coordinates; data.train.y: labels 0 or 1
 */
export function planarDataset(kind: PlanarKind, options: PlanarOptions = {}): PointDataset {
  const n = options.n ?? 500, noise = options.noise ?? 0, seed = options.seed ?? 1, testFraction = options.testFraction ?? 0.5;
  if (!PLANAR_KINDS.includes(kind)) throw new DataError(`unknown dataset "${kind}" (expected one of ${PLANAR_KINDS.join(", ")})`);
  if (!Number.isInteger(n) || n < 2) throw new DataError(`number of points must be an integer >= 2, got ${n}`);
  if (!(noise >= 0 && Number.isFinite(noise))) throw new DataError(`noise must be a finite number >= 0, got ${noise}`);
  checkSplitOptions(testFraction, seed);
  const rand = mulberry32(seed);
  const x = new Float64Array(2 * n), y = new Uint8Array(n);
  let k = 0;
  const push = (px: number, py: number, playgroundLabel: number) => {
    x[2 * k] = px / PLAYGROUND_HALF_WIDTH;
    x[2 * k + 1] = py / PLAYGROUND_HALF_WIDTH;
    y[k++] = playgroundLabel > 0 ? 0 : 1;
  };
  const half = Math.floor(n / 2), other = n - half;
  switch (kind) {
    case "circle": {
      // Playground classifyCircleData: radius 5, inner disc r < 2.5 labelled +1, ring 3.5 ≤ r ≤ 5 labelled −1.
      const radius = 5;
      const gen = (count: number, rLo: number, rHi: number) => {
        for (let i = 0; i < count; i++) {
          const r = uniform(rand, rLo, rHi), angle = uniform(rand, 0, 2 * Math.PI);
          const px = r * Math.sin(angle), py = r * Math.cos(angle);
          const nx = uniform(rand, -radius, radius) * noise, ny = uniform(rand, -radius, radius) * noise;
          push(px, py, Math.hypot(px + nx, py + ny) < radius * 0.5 ? 1 : -1);
        }
      };
      gen(half, 0, radius * 0.5);
      gen(other, radius * 0.7, radius);
      break;
    }
    case "xor": {
      // Playground classifyXORData: uniform in [−5, 5]² pushed 0.3 away from the axes; label sign(x·y).
      const padding = 0.3;
      for (let i = 0; i < n; i++) {
        let px = uniform(rand, -5, 5);
        px += px > 0 ? padding : -padding;
        let py = uniform(rand, -5, 5);
        py += py > 0 ? padding : -padding;
        const nx = uniform(rand, -5, 5) * noise, ny = uniform(rand, -5, 5) * noise;
        push(px, py, (px + nx) * (py + ny) >= 0 ? 1 : -1);
      }
      break;
    }
    case "gauss": {
      // Playground classifyTwoGaussData: centres (2, 2) (+1) and (−2, −2) (−1), variance 0.5 + 7·noise (noise 0…0.5 → 0.5…4).
      const variance = 0.5 + (noise / 0.5) * 3.5, sd = Math.sqrt(variance);
      const gen = (count: number, c: number, label: number) => {
        for (let i = 0; i < count; i++) {
          const px = c + sd * gaussian(rand), py = c + sd * gaussian(rand);
          push(px, py, label);
        }
      };
      gen(half, 2, 1);
      gen(other, -2, -1);
      break;
    }
    case "spiral": {
      // Playground classifySpiralData: r = 5i/m, t = 1.75 · 2π · i/m + Δt, Δt = 0 (+1) or π (−1), noise uniform ±noise.
      const gen = (count: number, deltaT: number, label: number) => {
        for (let i = 0; i < count; i++) {
          const r = (i / count) * 5, t = ((1.75 * i) / count) * 2 * Math.PI + deltaT;
          const px = r * Math.sin(t) + uniform(rand, -1, 1) * noise;
          const py = r * Math.cos(t) + uniform(rand, -1, 1) * noise;
          push(px, py, label);
        }
      };
      gen(half, 0, 1);
      gen(other, Math.PI, -1);
      break;
    }
  }
  const { train, test } = splitPoints(x, y, 2, testFraction, seed ^ 0x5eed);
  return { train, test, classes: 2, classNames: CLASS_NAMES[kind], dim: 2, box: uniformBox(2, -1, 1) };
}
