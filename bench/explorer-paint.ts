/**
 * The explorer's paint alone, in headless Chromium: the packed partition of the networks of bench/explorer.ts
 * (trained in Node as the page trains them: spiral, 400 points, batch 16, Adam 0.01, seed 1) is painted on an
 * OffscreenCanvas by the explorer's PartitionPainter (the core painter through its Canvas 2D context), as the
 * partition worker does, at the page's picture size. Reports the median and the fastest of several draws per
 * colouring (a loaded machine inflates wall time; the fastest is the closest to the CPU cost).
 * Usage: node --import tsx bench/explorer-paint.ts [--runs N] [--only 256,256] [--png FILE]
 */
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { planarDataset } from "../src/data/planar.ts";
import { loadTensorflow } from "../src/train/tensorflow.ts";
import { MlpTrainer } from "../src/train/trainer.ts";
import { launchChromium } from "../test/web-helpers.ts";
import { packPartition, type PackedPartition } from "../web/src/partition/packed.ts";

const { values: opts } = parseArgs({ options: { runs: { type: "string", default: "5" }, only: { type: "string" }, png: { type: "string" } } });
const runs = Number(opts.runs);
/** The page's picture in CSS pixels and its device pixel ratio (the tests' 1280×800 window). */
const SIZE = { width: 760, height: 640, dpr: 1 };

const tf = await loadTensorflow();
const d = planarDataset("spiral", { n: 400, noise: 0.1, seed: 1, testFraction: 0.5 });
const data = { trainX: Float32Array.from(d.train.x), trainY: Int32Array.from(d.train.y), testX: Float32Array.from(d.test.x), testY: Int32Array.from(d.test.y), classes: d.classes };
const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };

const bundle = await build({
  stdin: {
    contents: `import { PartitionPainter } from "./web/src/view/painter.ts";
      globalThis.paintBench = (p, size, style, runs) => {
        const canvas = new OffscreenCanvas(1, 1);
        const painter = new PartitionPainter(canvas, style, size);
        painter.setPartition(p);
        const ms = [];
        for (let r = 0; r < runs; r++) {
          ms.push(painter.draw());
          canvas.transferToImageBitmap().close();
        }
        return ms;
      };
      globalThis.paintPng = async (p, size, style) => {
        const canvas = new OffscreenCanvas(1, 1);
        const painter = new PartitionPainter(canvas, style, size);
        painter.setPartition(p);
        painter.draw();
        const blob = await canvas.convertToBlob({ type: "image/png" });
        return Array.from(new Uint8Array(await blob.arrayBuffer()));
      };`,
    resolveDir: process.cwd(),
    loader: "ts",
  },
  bundle: true,
  format: "iife",
  write: false,
  platform: "browser",
  // The painter comes through the public index, whose counting functions load HiGHS lazily: never here.
  external: ["highs"],
});
const script = bundle.outputFiles[0].text;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await launchChromium();
const rows: string[] = [];
try {
  const page = await browser.context.newPage();
  await page.setContent("<!doctype html><title>paint</title>");
  await page.addScriptTag({ content: script });
  for (const [widths, epochs] of [[[8, 8], 20], [[64, 64, 64], 5], [[256, 256], 1]] as const) {
    if (opts.only && opts.only !== widths.join(",")) continue;
    const trainer = new MlpTrainer(tf as never, { widths: [...widths], activation: "relu", alpha: 0.01, learningRate: 0.01, batchSize: 16, seed: 1, optimizer: "adam" }, data);
    for (let e = 0; e < epochs; e++) trainer.trainEpoch();
    const net = trainer.network();
    trainer.dispose();
    const p: PackedPartition = packPartition(net, square);
    for (const colouring of ["class", "pattern", "confidence"] as const) {
      const style = { colouring, showEdges: true };
      const ms = (await page.evaluate(([p, size, style, runs]) => (globalThis as never as { paintBench: (...a: unknown[]) => number[] }).paintBench(p, size, style, runs), [p, SIZE, style, runs] as const)) as number[];
      rows.push(`| 2-${widths.join("-")}-2 | ${epochs} | ${p.regions.toLocaleString("en-US")} | ${colouring} | ${median(ms).toFixed(0)} | ${Math.min(...ms).toFixed(0)} |`);
      process.stderr.write(rows[rows.length - 1] + "\n");
      if (opts.png && colouring === "class" && widths[0] === 256) {
        const bytes = (await page.evaluate(([p, size, style]) => (globalThis as never as { paintPng: (...a: unknown[]) => Promise<number[]> }).paintPng(p, size, style), [p, SIZE, style] as const)) as number[];
        writeFileSync(opts.png, Uint8Array.from(bytes));
      }
    }
  }
} finally {
  await browser.close();
}
console.log(`Chromium (headless, no GPU), ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; PartitionPainter.draw on an OffscreenCanvas of ${SIZE.width}×${SIZE.height} px, edges on, ${runs} draws each.\n`);
console.log("| network | epoch | regions | colouring | paint ms (median) | fastest |");
console.log("|---|--:|--:|---|--:|--:|");
for (const r of rows) console.log(r);
