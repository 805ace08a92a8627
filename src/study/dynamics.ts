/**
 * Training dynamics of the linear regions near the data (after Zhu, Lin & Tang 2020, who report that region
 * boundaries move away from training points during training): after every epoch, for a fixed sample of training
 * points and as many fixed uniform random points of the domain, the exact 2-norm distance from each point to the
 * boundary of its region (src/local/region-boundary.ts) and the exact number of regions meeting the 2-ball of radius
 * R around it (src/local/local-count.ts, over ball ∩ domain). One table row per epoch and kind of point, and two
 * figures. The analysis per epoch is isomorphic; the training loop (`runDynamicsStudy`) needs Node (TF.js).
 */
import { seededPermutation } from "../data/dataset.ts";
import { loadHighs } from "../lp/highs.ts";
import { runLocalStudy, type StudyBall } from "../local/study.ts";
import type { Box, Network } from "../model/network.ts";
import { lineChart } from "../render/chart.ts";
import type { TrainingData } from "../train/data.ts";
import { trainMlp, type EpochReport, type ResolvedTrainOptions } from "../train/mlp.ts";
import { bootstrapMeanInterval, mean, median, quantile } from "../util/stats.ts";
import { mulberry32 } from "../util/random.ts";

/** The two kinds of ball centres. */
export const TRAINING_POINTS = "training points";
export const RANDOM_POINTS = "uniform random points";

/** One epoch and kind of point: the spread of boundary distances and local counts over the points. */
export interface DynamicsRow {
  epoch: number;
  kind: string;
  points: number;
  /** Spread over the points, and `lo`–`hi`: the 95 % percentile-bootstrap interval of the mean (seeded). */
  distance: Spread;
  /** Exact number of regions meeting the ball (over ball ∩ domain). */
  regions: Spread;
  /** The project's local upper bound on the same balls (after Zhu, Lin & Tang 2020; ours, not the paper's formula). */
  bound: Spread;
  trainLoss: number;
  trainError: number;
  testError: number;
  /** Seconds of this epoch's analysis for this kind. */
  seconds: number;
}

/** The fixed centres: `count` training points (seeded sample) and `count` uniform random points of the domain. */
export function dynamicsCentres(data: TrainingData, count: number, seed: number): { kind: string; points: Float64Array[] }[] {
  const n = Math.min(count, data.train.count);
  const order = seededPermutation(data.train.count, seed);
  const train = Array.from({ length: n }, (_, k) => Float64Array.from(data.train.x.subarray(order[k] * data.dim, (order[k] + 1) * data.dim)));
  const rand = mulberry32(seed ^ 0x2f6b5a1d);
  const { lo, hi } = data.domain;
  const random = Array.from({ length: n }, () => Float64Array.from({ length: data.dim }, (_, j) => lo[j] + (hi[j] - lo[j]) * rand()));
  return [{ kind: TRAINING_POINTS, points: train }, { kind: RANDOM_POINTS, points: random }];
}

/** Mean, median, quartiles, and the 95 % bootstrap interval of the mean. */
export interface Spread {
  mean: number;
  median: number;
  q1: number;
  q3: number;
  lo: number;
  hi: number;
}

/** Resamples of the bootstrap interval of a mean: 2,000 keeps its ends' Monte-Carlo error near 1 % of the width. */
const BOOTSTRAP_RESAMPLES = 2000;

function spread(xs: number[], rand: () => number): Spread {
  const [lo, hi] = bootstrapMeanInterval(xs, rand, BOOTSTRAP_RESAMPLES);
  return { mean: mean(xs), median: median(xs), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75), lo, hi };
}

/**
 * Summarise one epoch's balls per kind. The bootstrap draws from mulberry32(seed + epoch), so a table is reproducible
 * from its balls.
 */
export function dynamicsRows(epoch: EpochReport, balls: readonly StudyBall[], secondsByKind: Map<string, number>, seed = 1): DynamicsRow[] {
  const rand = mulberry32((seed + epoch.epoch) | 0);
  const kinds = [...new Set(balls.map((b) => b.kind))];
  return kinds.map((kind) => {
    const bs = balls.filter((b) => b.kind === kind);
    return {
      epoch: epoch.epoch,
      kind,
      points: bs.length,
      distance: spread(bs.map((b) => b.boundaryDistance), rand),
      regions: spread(bs.map((b) => b.regions), rand),
      bound: spread(bs.map((b) => (b.bound === null ? NaN : Number(b.bound))).filter((v) => !Number.isNaN(v)), rand),
      trainLoss: epoch.trainLoss,
      trainError: epoch.trainError,
      testError: epoch.testError,
      seconds: secondsByKind.get(kind) ?? 0,
    };
  });
}

/** One ball of one epoch. */
export interface DynamicsBall extends StudyBall {
  epoch: number;
}

/** Every ball of every epoch as CSV (epoch, kind, point, regions, local bound, boundary distance, seconds). */
export function dynamicsBallsCsv(balls: readonly DynamicsBall[]): string {
  return ["epoch,kind,point,regions,bound,boundary_distance,seconds",
    ...balls.map((b) => [b.epoch, `"${b.kind}"`, b.point, b.regions, b.bound === null ? "" : b.bound.toString(), b.boundaryDistance, b.seconds.toFixed(3)].join(","))].join("\n") + "\n";
}

/** Options of {@link runDynamicsStudy}. */
export interface DynamicsOptions {
  /** Ball centres of each kind. */
  points: number;
  /** Radius of the 2-balls. */
  radius: number;
  /** Seed of the point sample and of the random points. */
  seed: number;
  /** After each epoch's analysis: its rows, and the balls (done, total) while it runs. */
  onEpoch?: (rows: DynamicsRow[]) => void;
  /** Progress within one epoch's analysis: balls done and total, and the epoch. */
  onBall?: (done: number, total: number, epoch: number) => void;
}

/**
 * Train with `train` options and analyse the network at initialisation and after every epoch. Returns every row
 * (epochs 0…E, one row per kind) and the trained network.
 */
export async function runDynamicsStudy(data: TrainingData, train: ResolvedTrainOptions, o: DynamicsOptions): Promise<{ rows: DynamicsRow[]; balls: DynamicsBall[]; network: Network }> {
  const sets = dynamicsCentres(data, o.points, o.seed);
  const highs = await loadHighs();
  const perEpoch = sets.reduce((s, k) => s + k.points.length, 0);
  const rows: DynamicsRow[] = [];
  const allBalls: DynamicsBall[] = [];
  const result = await trainMlp(data, { ...train, reportInitial: true }, async (epoch, snapshot) => {
    const net = snapshot();
    const balls: StudyBall[] = [];
    const seconds = new Map<string, number>();
    for (const set of sets) {
      const t0 = performance.now();
      balls.push(...(await runLocalStudy(net, [set], [o.radius], "2", {
        domain: data.domain,
        highs,
        onBall: (done) => o.onBall?.(balls.length + done, perEpoch, epoch.epoch),
      })));
      seconds.set(set.kind, (performance.now() - t0) / 1000);
    }
    const epochRows = dynamicsRows(epoch, balls, seconds, o.seed);
    rows.push(...epochRows);
    for (const b of balls) allBalls.push({ ...b, epoch: epoch.epoch });
    o.onEpoch?.(epochRows);
  });
  return { rows, balls: allBalls, network: result.network };
}

const g = (v: number, digits = 3) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : "–");

/** The table: one line per epoch and kind of point. */
export function dynamicsMarkdown(rows: readonly DynamicsRow[], radius: number): string {
  const head = `| epoch | centres | points | distance to region boundary: median | mean | IQR | regions in ball (r = ${radius}): median | mean (95 % interval) | IQR | local upper bound: median | mean | train loss | train error % | test error % |`;
  const sep = "|---:|---|---:|---:|---:|---|---:|---|---|---:|---:|---:|---:|---:|";
  const body = rows.map((r) =>
    `| ${r.epoch} | ${r.kind} | ${r.points} | ${g(r.distance.median)} | ${g(r.distance.mean)} | ${g(r.distance.q1)}–${g(r.distance.q3)} | ` +
      `${g(r.regions.median)} | ${g(r.regions.mean)} (${g(r.regions.lo)}–${g(r.regions.hi)}) | ${g(r.regions.q1)}–${g(r.regions.q3)} | ${g(r.bound.median)} | ${g(r.bound.mean)} | ` +
      `${r.trainLoss.toFixed(4)} | ${(100 * r.trainError).toFixed(2)} | ${(100 * r.testError).toFixed(2)} |`);
  return [head, sep, ...body].join("\n") + "\n";
}

/** The table as CSV. */
export function dynamicsCsv(rows: readonly DynamicsRow[]): string {
  const head = "epoch,kind,points,distance_median,distance_mean,distance_q1,distance_q3,distance_mean_lo,distance_mean_hi,regions_median,regions_mean,regions_q1,regions_q3,regions_mean_lo,regions_mean_hi,bound_median,bound_mean,bound_q1,bound_q3,train_loss,train_error,test_error,seconds";
  return [head, ...rows.map((r) => [r.epoch, `"${r.kind}"`, r.points, r.distance.median, r.distance.mean, r.distance.q1, r.distance.q3, r.distance.lo, r.distance.hi,
    r.regions.median, r.regions.mean, r.regions.q1, r.regions.q3, r.regions.lo, r.regions.hi, r.bound.median, r.bound.mean, r.bound.q1, r.bound.q3,
    r.trainLoss, r.trainError, r.testError, r.seconds.toFixed(3)].join(","))].join("\n") + "\n";
}

const KIND_COLOURS: Record<string, string> = { [TRAINING_POINTS]: "#D55E00", [RANDOM_POINTS]: "#0072B2" };

/** Median (line) and interquartile range (band) per epoch of the boundary distance, training points against random points. */
function distanceChart(rows: readonly DynamicsRow[], subtitle: string): string {
  const epochs = [...new Set(rows.map((r) => r.epoch))].sort((a, b) => a - b);
  const kinds = [...new Set(rows.map((r) => r.kind))];
  return lineChart({
    title: "Distance to the nearest region boundary during training",
    subtitle,
    xLabel: "epoch",
    yLabel: "2-norm distance (log)",
    yScale: "log",
    x: epochs,
    width: 800,
    height: 480,
    series: kinds.map((kind) => {
      const at = (e: number) => rows.find((r) => r.kind === kind && r.epoch === e)?.distance;
      return {
        name: `${kind} (median, interquartile band)`,
        values: epochs.map((e) => at(e)?.median ?? NaN),
        band: { lo: epochs.map((e) => at(e)?.q1 ?? NaN), hi: epochs.map((e) => at(e)?.q3 ?? NaN) },
        colour: KIND_COLOURS[kind],
        markers: true,
      };
    }),
  });
}

/**
 * Mean exact count per epoch with its 95 % bootstrap interval (band), and the mean local upper bound (dashed), training
 * points against random points. Means, not medians: after the first epoch most balls meet 1–3 regions, so medians
 * sit flat at 2 and hide the difference that lies in the upper tail.
 */
function regionsChart(rows: readonly DynamicsRow[], radius: number, subtitle: string): string {
  const epochs = [...new Set(rows.map((r) => r.epoch))].sort((a, b) => a - b);
  const kinds = [...new Set(rows.map((r) => r.kind))];
  return lineChart({
    title: `Linear regions in the 2-ball of radius ${radius} during training`,
    subtitle,
    xLabel: "epoch",
    yLabel: "regions meeting the ball (log)",
    yScale: "log",
    x: epochs,
    width: 800,
    height: 480,
    series: kinds.flatMap((kind) => {
      const at = (e: number) => rows.find((r) => r.kind === kind && r.epoch === e);
      return [
        {
          name: `${kind}: exact count (mean, 95 % bootstrap interval)`,
          values: epochs.map((e) => at(e)?.regions.mean ?? NaN),
          band: { lo: epochs.map((e) => at(e)?.regions.lo ?? NaN), hi: epochs.map((e) => at(e)?.regions.hi ?? NaN) },
          colour: KIND_COLOURS[kind],
          markers: true,
        },
        {
          name: `${kind}: Tessera's local upper bound (mean)`,
          values: epochs.map((e) => at(e)?.bound.mean ?? NaN),
          colour: KIND_COLOURS[kind],
          dashed: true,
        },
      ];
    }),
  });
}

/** The two figures: distance to the nearest region boundary, and regions in the ball (with the local bound), per epoch. */
export function dynamicsFigures(rows: readonly DynamicsRow[], radius: number, subtitle: string): { distance: string; regions: string } {
  return { distance: distanceChart(rows, subtitle), regions: regionsChart(rows, radius, subtitle) };
}

/** The domain's diameter (2-norm), for a default radius. */
export function boxDiameter(box: Box): number {
  let s = 0;
  for (let j = 0; j < box.lo.length; j++) s += (box.hi[j] - box.lo[j]) ** 2;
  return Math.sqrt(s);
}
