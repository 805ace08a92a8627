/**
 * The error–count relation of the Serra et al. 2018 study as the data supports it: Spearman's ρ between region count
 * and four error measures (training / test cross-entropy and misclassification) by width cut-off (networks with no
 * hidden layer under w units) and within one configuration (one N1, over its seeds), each with a Fisher-z interval.
 * Isomorphic (no Node APIs).
 *
 * Why Fisher z and not a bootstrap: within a configuration there are only 10 seeds, and a percentile bootstrap of a
 * rank correlation on 10 pairs is coarse (few distinct resampled values, many resamples with ties) and biased toward
 * the centre; Fisher's z = atanh(ρ) with the variance 1.06 / (n − 3) that Fieller, Hartley & Pearson (Biometrika
 * 1957) give for Spearman's ρ is the usual closed form, needs no random numbers, and pools across configurations by
 * averaging z weighted by n − 3.
 */
import { spearman } from "../util/stats.ts";

/** The four error measures a study record carries. */
export const ERROR_MEASURES = [
  { key: "trainLoss", label: "train CE" },
  { key: "trainError", label: "train error" },
  { key: "testLoss", label: "test CE" },
  { key: "testError", label: "test error" },
] as const;

export type ErrorMeasure = (typeof ERROR_MEASURES)[number]["key"];

/** What the analysis reads from a network record. */
export interface ErrorCountRecord {
  n1: number;
  n2: number;
  regions: number;
  trainLoss: number;
  trainError: number;
  testLoss: number;
  testError: number;
}

/** Variance factor of atanh(Spearman ρ): Var z ≈ 1.06 / (n − 3) (Fieller, Hartley & Pearson 1957). */
export const SPEARMAN_Z_VARIANCE = 1.06;
/** Two-sided 95 % normal quantile. */
export const Z_95 = 1.959963984540054;
/**
 * |ρ| is clamped below 1 by this much before atanh, so that a perfect rank correlation (ρ = ±1, common with few
 * networks) gives a finite z; 1e-12 moves no reported digit (ρ is printed to 3 decimals).
 */
const RHO_CLAMP = 1e-12;

/** ρ with its two-sided 95 % Fisher-z interval; NaN bounds when n ≤ 3 (no interval) and NaN ρ when n < 2 or a sample is constant. */
export interface RhoInterval {
  n: number;
  rho: number;
  lo: number;
  hi: number;
}

/** Fisher's z of a correlation, clamped so that ±1 stays finite. */
export function fisherZ(rho: number): number {
  return Math.atanh(Math.max(-1 + RHO_CLAMP, Math.min(1 - RHO_CLAMP, rho)));
}

/** 95 % interval of Spearman's ρ from n pairs: tanh(atanh ρ ± 1.96 √(1.06 / (n − 3))). */
export function spearmanInterval(rho: number, n: number): RhoInterval {
  if (!(n > 3) || !Number.isFinite(rho)) return { n, rho, lo: NaN, hi: NaN };
  const z = fisherZ(rho), half = Z_95 * Math.sqrt(SPEARMAN_Z_VARIANCE / (n - 3));
  return { n, rho, lo: Math.tanh(z - half), hi: Math.tanh(z + half) };
}

/** Spearman's ρ between count and a measure over some records, with its interval (records lacking the measure are skipped). */
export function rhoOf(records: readonly ErrorCountRecord[], measure: ErrorMeasure): RhoInterval {
  const rs = records.filter((r) => Number.isFinite(r[measure]));
  if (rs.length < 2) return { n: rs.length, rho: NaN, lo: NaN, hi: NaN };
  return spearmanInterval(spearman(rs.map((r) => r.regions), rs.map((r) => r[measure])), rs.length);
}

/** ρ for every error measure. */
export type RhoByMeasure = Record<ErrorMeasure, RhoInterval>;

function byMeasure(f: (m: ErrorMeasure) => RhoInterval): RhoByMeasure {
  return Object.fromEntries(ERROR_MEASURES.map(({ key }) => [key, f(key)])) as RhoByMeasure;
}

/** One width cut-off: the networks with no hidden layer under `minWidth` units, and ρ over them. */
export interface CutoffRow {
  minWidth: number;
  networks: number;
  /** Smallest and largest N1 among them. */
  n1Min: number;
  n1Max: number;
  rho: RhoByMeasure;
}

/** ρ over the networks with min(N1, N2) ≥ w for each w in `widths` (default 1…8). */
export function cutoffCorrelations(records: readonly ErrorCountRecord[], widths: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8]): CutoffRow[] {
  return widths.map((w) => {
    const rs = records.filter((r) => Math.min(r.n1, r.n2) >= w);
    const n1s = rs.map((r) => r.n1);
    return { minWidth: w, networks: rs.length, n1Min: n1s.length ? Math.min(...n1s) : NaN, n1Max: n1s.length ? Math.max(...n1s) : NaN, rho: byMeasure((m) => rhoOf(rs, m)) };
  });
}

/** ρ within one configuration (one N1), over its seeds. */
export interface ConfigCorrelation {
  n1: number;
  n2: number;
  rho: RhoByMeasure;
}

/** Pooled within-configuration ρ: the plain mean of the configurations' ρ, and the (n − 3)-weighted mean Fisher z with its interval. */
export interface PooledCorrelation {
  configurations: number;
  networks: number;
  /** Mean of the per-configuration ρ (what "within one configuration ρ averages …" means). */
  meanRho: number;
  /** tanh of the weighted mean z, and its 95 % interval from Var = 1.06 / Σ (n_k − 3). */
  pooled: number;
  lo: number;
  hi: number;
}

/** Within-configuration ρ for every N1 present, and the pooled value per measure over configurations with n > 3. */
export function withinConfigCorrelations(records: readonly ErrorCountRecord[]): { configs: ConfigCorrelation[]; pooled: Record<ErrorMeasure, PooledCorrelation> } {
  const groups = new Map<number, ErrorCountRecord[]>();
  for (const r of records) groups.set(r.n1, [...(groups.get(r.n1) ?? []), r]);
  const configs = [...groups.keys()].sort((a, b) => a - b).map((n1) => {
    const rs = groups.get(n1)!;
    return { n1, n2: rs[0].n2, rho: byMeasure((m) => rhoOf(rs, m)) };
  });
  const pooled = Object.fromEntries(ERROR_MEASURES.map(({ key }) => {
    const usable = configs.map((c) => c.rho[key]).filter((r) => r.n > 3 && Number.isFinite(r.rho));
    const weight = usable.reduce((s, r) => s + (r.n - 3), 0);
    const meanRho = usable.length ? usable.reduce((s, r) => s + r.rho, 0) / usable.length : NaN;
    if (weight === 0) return [key, { configurations: 0, networks: 0, meanRho: NaN, pooled: NaN, lo: NaN, hi: NaN }];
    // Fisher 1921: independent z's combine as their (n − 3)-weighted mean, with variance 1.06 / Σ (n_k − 3) here.
    const z = usable.reduce((s, r) => s + (r.n - 3) * fisherZ(r.rho), 0) / weight;
    const half = Z_95 * Math.sqrt(SPEARMAN_Z_VARIANCE / weight);
    return [key, {
      configurations: usable.length,
      networks: usable.reduce((s, r) => s + r.n, 0),
      meanRho,
      pooled: Math.tanh(z),
      lo: Math.tanh(z - half),
      hi: Math.tanh(z + half),
    }];
  })) as Record<ErrorMeasure, PooledCorrelation>;
  return { configs, pooled };
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "–");
const cell = (r: RhoInterval) => (Number.isFinite(r.lo) ? `${f3(r.rho)} (${f3(r.lo)} to ${f3(r.hi)})` : f3(r.rho));

function pooledLine(title: string, pooled: Record<ErrorMeasure, PooledCorrelation>): string {
  return `${title}: ` + ERROR_MEASURES.map((m) => {
    const p = pooled[m.key];
    return `${m.label} ${f3(p.meanRho)}, pooled ${f3(p.pooled)} (${f3(p.lo)} to ${f3(p.hi)}; ${p.configurations} configurations)`;
  }).join("; ") + ".";
}

/** Both tables as Markdown, with a line on the method; the pooled value also over configurations with no layer under `minWidth` units. */
export function correlationMarkdown(records: readonly ErrorCountRecord[], minWidth = 5): string {
  const cut = cutoffCorrelations(records);
  const within = withinConfigCorrelations(records);
  const heads = ERROR_MEASURES.map((m) => `ρ ${m.label}`).join(" | ");
  const lines = [
    "Spearman's ρ between region count and error, with 95 % intervals from Fisher's z = atanh ρ with variance 1.06 / (n − 3) " +
      "(Fieller, Hartley & Pearson 1957). CE: mean softmax cross-entropy; error: misclassification rate.",
    "",
    "By width cut-off (networks with no hidden layer under w units):",
    "",
    `| w | networks | N1 | ${heads} |`,
    `|---:|---:|---|${ERROR_MEASURES.map(() => "---").join("|")}|`,
    ...cut.map((c) => `| ${c.minWidth} | ${c.networks} | ${c.networks ? `${c.n1Min}–${c.n1Max}` : "–"} | ${ERROR_MEASURES.map((m) => cell(c.rho[m.key])).join(" | ")} |`),
    "",
    "Within one configuration (one N1, over its seeds):",
    "",
    `| N1 | N2 | networks | ${heads} |`,
    `|---:|---:|---:|${ERROR_MEASURES.map(() => "---").join("|")}|`,
    ...within.configs.map((c) => `| ${c.n1} | ${c.n2} | ${c.rho.trainLoss.n} | ${ERROR_MEASURES.map((m) => cell(c.rho[m.key])).join(" | ")} |`),
    "",
    pooledLine("Pooled within configurations (configurations with more than 3 networks; mean ρ, then the (n − 3)-weighted mean z with its interval)", within.pooled),
    "",
    pooledLine(`Pooled within the configurations with no layer under ${minWidth} units`, withinConfigCorrelations(records.filter((r) => Math.min(r.n1, r.n2) >= minWidth)).pooled),
  ];
  return lines.join("\n") + "\n";
}

/** Both tables as CSV: one line per (kind, group, measure) with n, ρ and the interval. */
export function correlationCsv(records: readonly ErrorCountRecord[]): string {
  const out = ["kind,group,measure,n,rho,lo,hi"];
  const num = (v: number) => (Number.isFinite(v) ? String(v) : "");
  for (const c of cutoffCorrelations(records)) for (const m of ERROR_MEASURES) {
    const r = c.rho[m.key];
    out.push(["cutoff", `w>=${c.minWidth}`, m.key, r.n, num(r.rho), num(r.lo), num(r.hi)].join(","));
  }
  const within = withinConfigCorrelations(records);
  for (const c of within.configs) for (const m of ERROR_MEASURES) {
    const r = c.rho[m.key];
    out.push(["within", `n1=${c.n1}`, m.key, r.n, num(r.rho), num(r.lo), num(r.hi)].join(","));
  }
  for (const m of ERROR_MEASURES) {
    const p = within.pooled[m.key];
    out.push(["pooled", "within", m.key, p.networks, num(p.pooled), num(p.lo), num(p.hi)].join(","));
  }
  return out.join("\n") + "\n";
}
