/**
 * The local-density study of Zhu, Lin & Tang 2020: balls of several radii around data points versus balls around
 * uniform random points of the domain, with the local upper bound and the exact count in each, summarised per kind
 * and radius (mean, median, max) as a table and a log-scale chart. Core-safe: the caller supplies the points.
 */
import type { Box, Network } from "../model/network.ts";
import type { Highs } from "../lp/highs.ts";
import { loadHighs } from "../lp/highs.ts";
import { mannWhitney, mean, median, minMax } from "../util/stats.ts";
import { lineChart } from "../render/chart.ts";
import type { BallNorm } from "./ball.ts";
import { localUpperBound } from "./local-bound.ts";
import { countLocalRegions } from "./local-count.ts";
import { distanceToRegionBoundary } from "./region-boundary.ts";

/** A named set of ball centres (e.g. "training digits", "uniform random"). */
export interface StudyPoints {
  kind: string;
  points: Float64Array[];
}

/** One ball of the study. */
export interface StudyBall {
  kind: string;
  /** Index of the centre within its kind. */
  point: number;
  radius: number;
  regions: number;
  /** The local upper bound (BigInt), null when none applies. */
  bound: bigint | null;
  /** Distance from the centre to the nearest region boundary (same for every radius). */
  boundaryDistance: number;
  seconds: number;
}

/** Options of {@link runLocalStudy}. */
export interface LocalStudyOptions {
  domain?: Box;
  highs?: Highs;
  /** Called after every ball (done, total). */
  onBall?: (done: number, total: number, ball: StudyBall) => void;
}

/** Count and bound every ball: each kind's points × each radius. */
export async function runLocalStudy(
  net: Network,
  sets: StudyPoints[],
  radii: readonly number[],
  norm: BallNorm,
  opts: LocalStudyOptions = {},
): Promise<StudyBall[]> {
  const highs = opts.highs ?? (await loadHighs());
  const total = sets.reduce((s, k) => s + k.points.length, 0) * radii.length;
  const out: StudyBall[] = [];
  for (const set of sets) {
    for (let p = 0; p < set.points.length; p++) {
      const center = set.points[p];
      const boundaryDistance = distanceToRegionBoundary(net, center, norm);
      for (const radius of radii) {
        const r = await countLocalRegions(net, { center, radius, norm }, { domain: opts.domain, highs });
        const bound = r.bounds ? localUpperBound(net, r.bounds).value : 0n;
        const ball: StudyBall = { kind: set.kind, point: p, radius, regions: r.regions, bound, boundaryDistance, seconds: r.seconds };
        out.push(ball);
        opts.onBall?.(out.length, total, ball);
      }
    }
  }
  return out;
}

/** Mean, median and max of the exact counts and of the bounds for one kind and radius. */
export interface StudySummaryRow {
  kind: string;
  radius: number;
  balls: number;
  regions: { mean: number; median: number; min: number; max: number };
  /** Over the balls with a bound (as Number: exact below 2^53). */
  bound: { mean: number; median: number; max: number };
  /** Mean distance from the centres to their region's boundary. */
  boundaryDistance: number;
}

/** Summarise the balls per kind and radius, in the order kinds and radii first appear. */
export function summarizeLocalStudy(balls: readonly StudyBall[]): StudySummaryRow[] {
  const groups = new Map<string, StudyBall[]>();
  for (const b of balls) {
    const key = `${b.kind}\u0000${b.radius}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(b);
  }
  return [...groups.values()].map((g) => {
    const regions = g.map((b) => b.regions);
    const bounds = g.filter((b) => b.bound !== null).map((b) => Number(b.bound));
    const rm = minMax(regions);
    return {
      kind: g[0].kind,
      radius: g[0].radius,
      balls: g.length,
      regions: { mean: mean(regions), median: median(regions), min: rm.min, max: rm.max },
      bound: { mean: mean(bounds), median: median(bounds), max: minMax(bounds).max },
      boundaryDistance: mean(g.map((b) => b.boundaryDistance)),
    };
  });
}

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 1 });
}

/** The summary as a Markdown table. */
export function localStudyMarkdown(rows: readonly StudySummaryRow[]): string {
  const head = "| centres | radius | balls | regions mean | median | max | bound mean | median | max |";
  const sep = "|---|---:|---:|---:|---:|---:|---:|---:|---:|";
  const body = rows.map((r) =>
    `| ${r.kind} | ${r.radius} | ${r.balls} | ${num(r.regions.mean)} | ${num(r.regions.median)} | ${num(r.regions.max)} | ${num(r.bound.mean)} | ${num(r.bound.median)} | ${num(r.bound.max)} |`);
  return [head, sep, ...body].join("\n") + "\n";
}

/** One comparison of two kinds of centres at one radius (Mann–Whitney U on the balls' exact counts). */
export interface KindComparison {
  radius: number;
  first: string;
  second: string;
  /** P(a ball of the first kind holds more regions than one of the second), ties half. */
  auc: number;
  z: number;
  /** Two-sided p-value (normal approximation). */
  p: number;
}

/**
 * Every pair of kinds at every radius, in the order kinds first appear (first kind against each later one): is the
 * count around centres of one kind larger than around the other's, as a rank test (counts are heavy-tailed, so a
 * mean alone says little).
 */
export function compareKinds(balls: readonly StudyBall[]): KindComparison[] {
  const kinds = [...new Set(balls.map((b) => b.kind))], radii = [...new Set(balls.map((b) => b.radius))];
  const out: KindComparison[] = [];
  for (const radius of radii) {
    for (let i = 0; i < kinds.length; i++) {
      for (let j = i + 1; j < kinds.length; j++) {
        const of = (k: string) => balls.filter((b) => b.kind === k && b.radius === radius).map((b) => b.regions);
        const t = mannWhitney(of(kinds[i]), of(kinds[j]));
        out.push({ radius, first: kinds[i], second: kinds[j], auc: t.auc, z: t.z, p: t.p });
      }
    }
  }
  return out;
}

/** The comparisons as a Markdown table. */
export function kindComparisonMarkdown(rows: readonly KindComparison[]): string {
  const p = (v: number) => (v < 1e-4 ? v.toExponential(1) : v.toPrecision(2));
  return ["| radius | centres | against | P(first > second) | z | p (two-sided) |", "|---:|---|---|---:|---:|---:|",
    ...rows.map((r) => `| ${r.radius} | ${r.first} | ${r.second} | ${r.auc.toFixed(2)} | ${r.z.toFixed(2)} | ${p(r.p)} |`)].join("\n") + "\n";
}

/** The summary as CSV (one row per kind and radius). */
export function localStudyCsv(rows: readonly StudySummaryRow[]): string {
  const head = "kind,radius,balls,regions_mean,regions_median,regions_min,regions_max,bound_mean,bound_median,bound_max,boundary_distance_mean";
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [head, ...rows.map((r) => [q(r.kind), r.radius, r.balls, r.regions.mean, r.regions.median, r.regions.min, r.regions.max, r.bound.mean, r.bound.median, r.bound.max, r.boundaryDistance].join(","))].join("\n") + "\n";
}

/** Every ball as CSV (kind, point, radius, regions, bound, boundary distance, seconds). */
export function localStudyBallsCsv(balls: readonly StudyBall[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ["kind,point,radius,regions,bound,boundary_distance,seconds",
    ...balls.map((b) => [q(b.kind), b.point, b.radius, b.regions, b.bound === null ? "" : b.bound.toString(), b.boundaryDistance, b.seconds.toFixed(3)].join(","))].join("\n") + "\n";
}

/**
 * The chart: per kind, the mean exact count (solid, with a min–max band) and the mean bound (dashed) against the
 * radius, log y.
 */
export function localStudyChart(rows: readonly StudySummaryRow[], opts: { title?: string; subtitle?: string; norm: BallNorm }): string {
  const radii = [...new Set(rows.map((r) => r.radius))].sort((a, b) => a - b);
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
  const series = kinds.flatMap((kind, i) => {
    const at = (r: number) => rows.find((x) => x.kind === kind && x.radius === r);
    return [
      {
        name: `${kind}: exact count (mean, min–max band)`,
        values: radii.map((r) => at(r)?.regions.mean ?? NaN),
        band: { lo: radii.map((r) => at(r)?.regions.min ?? NaN), hi: radii.map((r) => at(r)?.regions.max ?? NaN) },
        colour: colours[i % colours.length],
        markers: true,
      },
      {
        name: `${kind}: local upper bound (mean)`,
        values: radii.map((r) => at(r)?.bound.mean ?? NaN),
        colour: colours[i % colours.length],
        dashed: true,
        markers: true,
      },
    ];
  });
  return lineChart({
    title: opts.title ?? "Linear regions in balls around data points and random points",
    subtitle: opts.subtitle,
    xLabel: `radius (${opts.norm === "2" ? "2-norm" : "∞-norm"})`,
    yLabel: "regions meeting the ball",
    yScale: "log",
    x: radii,
    series,
  });
}
