/**
 * One network of the Serra et al. 2018 study, start to finish: train 784-N1-N2-10 on the MNIST digits with its seed,
 * then count its regions over [0, 1]^784, compute its bounds and check them against the digits' activation patterns.
 * Runs in a study worker thread (or in-process); Node only.
 */
import { stringifyTesseraJson } from "../io/tessera-json.ts";
import { loadMnist } from "../io/mnist.ts";
import { networkFingerprint } from "../model/fingerprint.ts";
import type { Network } from "../model/network.ts";
import type { CountProgress } from "../count/types.ts";
import { loadTrainingData } from "../train/data.ts";
import { resolveTrainOptions, trainingMetadata, trainMlp } from "../train/mlp.ts";
import { analyseRegions, checkRegionAnalysis, type ResumedCount } from "./analyse.ts";
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

/**
 * Train and analyse one network of the study. Deterministic apart from the timings. With `partialDir`, the count
 * checkpoints there every {@link PARTIAL_SAVE_SECONDS} seconds and resumes from a checkpoint of the same weights.
 */
export async function runStudyJob(job: StudyJob, settings: StudySettings, onProgress?: (p: JobProgress) => void, partialDir?: string): Promise<JobOutput> {
  const t0 = performance.now();
  const data = loadTrainingData("mnist", { dataSeed: settings.splitSeed, mnistTrain: settings.trainDigits });
  const options = resolveTrainOptions({ hidden: [job.n1, job.n2], epochs: settings.epochs, batch: settings.batch, lr: settings.lr, seed: job.seed });
  const trained = await trainMlp(data, options, (r) => onProgress?.({ phase: "train", epoch: r.epoch, epochs: r.epochs }));
  const digits = loadMnist();
  const fingerprint = networkFingerprint(trained.network);
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
  const analysis = await analyseRegions(trained.network, data.domain, { x: digits.images, count: digits.count }, {
    threshold: settings.threshold,
    onProgress: (p) => onProgress?.({ phase: "count", progress: p }),
    resume,
    onCheckpoint: (s) => checkpoint(s),
  });
  const f = trained.final;
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
    trainSeconds: trained.seconds,
    ...analysis,
    // Earlier runs' counting time counts too: the network's cost is all the counting it took.
    seconds: (performance.now() - t0) / 1000 + (usable?.seconds ?? 0),
    ...(usable ? { countRuns: usable.runs + 1 } : {}),
    fingerprint,
    finishedAt: new Date().toISOString(),
    problems: checkRegionAnalysis(analysis),
  };
  const metadata = { ...trainingMetadata(data, options, trained), study: "serra2018", regions: analysis.regions, threshold: analysis.threshold };
  return { record, modelJson: stringifyTesseraJson(trained.network, data.domain, metadata), network: trained.network };
}
