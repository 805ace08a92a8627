/**
 * The explorer's partition work measured as CPU time (process.cpuUsage), which a loaded machine inflates far less
 * than wall time: packPartition (planarPartitionFast + classBoundary + packing, what the partition worker runs) for the
 * networks of bench/explorer.ts, trained as the page trains them (spiral, 400 points, batch 16, Adam 0.01, seed 1)
 * for a given number of epochs. Median of several runs after a first one.
 * Usage: node --import tsx bench/explorer-cpu.ts [--runs N]
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { planarDataset } from "../src/data/planar.ts";
import { MlpTrainer } from "../src/train/trainer.ts";
import { loadTensorflow } from "../src/train/tensorflow.ts";
import { packPartition } from "../web/src/partition/packed.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { skeletonPartition } from "../src/skeleton/partition.ts";

const { values: opts } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(opts.runs);
const tf = await loadTensorflow();
const d = planarDataset("spiral", { n: 400, noise: 0.1, seed: 1, testFraction: 0.5 });
const data = { trainX: Float32Array.from(d.train.x), trainY: Int32Array.from(d.train.y), testX: Float32Array.from(d.test.x), testY: Int32Array.from(d.test.y), classes: d.classes };
const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`Node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; CPU ms (user + system) of packPartition, median of ${runs} after a first run.\n`);
console.log("| network | epoch | regions | packPartition CPU ms (median) | wall ms (median) | partition alone: clipping (`planarPartition`) CPU ms | partition alone: skeleton (`skeletonPartition`) CPU ms | clipping ÷ skeleton |");
console.log("|---|--:|--:|--:|--:|--:|--:|--:|");
for (const [widths, epochs] of [[[8, 8], 20], [[64, 64, 64], 5], [[256, 256], 1]] as const) {
  const trainer = new MlpTrainer(tf as never, { widths: [...widths], activation: "relu", alpha: 0.01, learningRate: 0.01, batchSize: 16, seed: 1, optimizer: "adam" }, data);
  for (let e = 0; e < epochs; e++) trainer.trainEpoch();
  const net = trainer.network();
  trainer.dispose();
  packPartition(net, square);
  const cpu: number[] = [], wall: number[] = [];
  let regions = 0;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    regions = packPartition(net, square).regions;
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  // The two partition methods alone, alternated in the same runs so that the machine's load falls on both alike.
  const clip: number[] = [], skel: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const [f, out] of [[planarPartition, clip], [skeletonPartition, skel]] as const) {
      const c0 = process.cpuUsage();
      f(net, square);
      const c = process.cpuUsage(c0);
      out.push((c.user + c.system) / 1000);
    }
  }
  const ratio = median(clip) / median(skel);
  console.log(`| 2-${widths.join("-")}-2 | ${epochs} | ${regions.toLocaleString("en-US")} | ${median(cpu).toFixed(0)} | ${median(wall).toFixed(0)} | ${median(clip).toFixed(0)} | ${median(skel).toFixed(0)} | ${ratio.toFixed(2)}× |`);
}
