/**
 * One network of the Serra et al. 2018 study, start to finish: train 784-N1-N2-10 on the study's MNIST data with its
 * seed, then count its regions over [0, 1]^784, compute its bounds and check them against the activation patterns of
 * all the data's digits (training and test).
 * Runs in a study worker thread (or in-process); Node only.
 */
import { stringifyTesseraJson } from "../io/tessera-json.ts";
import { networkFingerprint } from "../model/fingerprint.ts";
import type { Network } from "../model/network.ts";
import type { CountProgress } from "../count/types.ts";
import { loadTrainingData, type TrainingData } from "../train/data.ts";
import { resolveTrainOptions, trainingMetadata, trainMlp, type ResolvedTrainOptions, type TrainResult } from "../train/mlp.ts";
import { analyseRegions, checkRegionAnalysis, type RegionAnalysis, type ResumedCount } from "./analyse.ts";
import { loadPartial, PARTIAL_SAVE_SECONDS, savePartial, type PartialCount } from "./partial.ts";
import type { StudyJob, StudySettings } from "./plan.ts";
import type { NetworkRecord } from "./table.ts";

/** Progress of one network: the phase, and the count's progress while counting. */
export type JobProgress = { phase: "train"; epoch: number; epochs: number } | { phase: "count"; progress: CountProgress };

/** A finished network: its record and its Tessera JSON text (weights, domain, metadata). */
export interface JobOutput {
  record: NetworkRecord;
  modelJson: string;
  network: Network;
}

/** A trained network of the study, with its data and the options it was trained with. */
export interface TrainedStudyNetwork {
  data: TrainingData;
  options: ResolvedTrainOptions;
  trained: TrainResult;
  fingerprint: string;
}

/** The study's data: full MNIST, or the `mnist` package's digits split by the study's seed. */
export function loadStudyData(settings: StudySettings): TrainingData {
  return settings.data === "mnist" ? loadTrainingData("mnist") : loadTrainingData("mnist-small", { dataSeed: settings.splitSeed ?? undefined, mnistTrain: settings.trainDigits });
}

/**
 * The probe inputs whose activation patterns every count must contain: all the data's digits, training and test
 * (70,000 for full MNIST; the package's 10,000 for `mnist-small`, as in the first study).
 */
export function probeDigits(data: TrainingData): { x: Float32Array; count: number } {
  const x = new Float32Array(data.train.x.length + data.test.x.length);
  x.set(data.train.x);
  x.set(data.test.x, data.train.x.length);
  return { x, count: data.train.count + data.test.count };
}

/** Train one network of the study from its seed (deterministic: the same weights on every run). */
export async function trainStudyNetwork(job: StudyJob, settings: StudySettings, onProgress?: (p: JobProgress) => void): Promise<TrainedStudyNetwork> {
  const data = loadStudyData(settings);
  const options = resolveTrainOptions({ hidden: [job.n1, job.n2], epochs: settings.epochs, batch: settings.batch, lr: settings.lr, seed: job.seed });
  const trained = await trainMlp(data, options, (r) => onProgress?.({ phase: "train", epoch: r.epoch, epochs: r.epochs }));
  return { data, options, trained, fingerprint: networkFingerprint(trained.network) };
}

/**
 * The record and model file of a finished network. `seconds` is the network's whole cost (training and all the
 * counting it took, earlier runs included); `countRuns` is set when the count was resumed.
 */
export function finishStudyJob(job: StudyJob, settings: StudySettings, t: TrainedStudyNetwork, analysis: RegionAnalysis, seconds: number, countRuns?: number): JobOutput {
  const f = t.trained.final;
  const record: NetworkRecord = {
    format: "tessera-study-network",
    version: 1,
    id: job.id,
    n1: job.n1,
    n2: job.n2,
    seed: job.seed,
    settings,
    trainLoss: f.trainLoss,
    trainError: f.trainError,
    testLoss: f.testLoss,
    testError: f.testError,
    trainSeconds: t.trained.seconds,
    ...analysis,
    seconds,
    ...(countRuns ? { countRuns } : {}),
    fingerprint: t.fingerprint,
    finishedAt: new Date().toISOString(),
    problems: checkRegionAnalysis(analysis),
  };
  const metadata = { ...trainingMetadata(t.data, t.options, t.trained), study: "serra2018", regions: analysis.regions, threshold: analysis.threshold };
  return { record, modelJson: stringifyTesseraJson(t.trained.network, t.data.domain, metadata), network: t.trained.network };
}

/**
 * Train and analyse one network of the study. Deterministic apart from the timings. With `partialDir`, the count
 * checkpoints there every {@link PARTIAL_SAVE_SECONDS} seconds and resumes from a checkpoint of the same weights.
 */
export async function runStudyJob(job: StudyJob, settings: StudySettings, onProgress?: (p: JobProgress) => void, partialDir?: string): Promise<JobOutput> {
  const t0 = performance.now();
  const t = await trainStudyNetwork(job, settings, onProgress);
  const { fingerprint } = t;
  const digits = probeDigits(t.data);
  const partial = partialDir ? loadPartial(partialDir, job.id) : undefined;
  const usable = partial && partial.fingerprint === fingerprint && partial.threshold === settings.threshold ? partial : undefined;
  const resume: ResumedCount | undefined = usable && {
    tasks: usable.tasks,
    done: new Map(Object.entries(usable.done)),
    missing: usable.missing,
    seconds: usable.seconds,
  };
  let lastSave = performance.now();
  const checkpoint = (s: ResumedCount, force = false) => {
    if (!partialDir || (!force && performance.now() - lastSave < PARTIAL_SAVE_SECONDS * 1000)) return;
    lastSave = performance.now();
    const p: PartialCount = {
      format: "tessera-study-partial",
      version: 1,
      id: job.id,
      fingerprint,
      threshold: settings.threshold,
      tasks: s.tasks,
      done: Object.fromEntries(s.done),
      missing: s.missing,
      seconds: s.seconds,
      runs: (usable?.runs ?? 0) + 1,
    };
    savePartial(partialDir, p);
  };
  const analysis = await analyseRegions(t.trained.network, t.data.domain, digits, {
    threshold: settings.threshold,
    onProgress: (p) => onProgress?.({ phase: "count", progress: p }),
    resume,
    onCheckpoint: (s) => checkpoint(s),
  });
  // Earlier runs' counting time counts too: the network's cost is all the counting it took.
  return finishStudyJob(job, settings, t, analysis, (performance.now() - t0) / 1000 + (usable?.seconds ?? 0), usable ? usable.runs + 1 : undefined);
}
