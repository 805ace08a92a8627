/**
 * Planar partition speed: a seeded 2-64-64-64-2 ReLU network (He initialisation, biases N(0, 0.3²), as the
 * fixtures) over [-1, 1]², and the 2-input fixtures. Prints a markdown table: regions, the median partition time over
 * several runs in one process after a first run (which includes V8 compiling the loops), class boundary and verifier times,
 * and for comparison one run of the counting engine (`countRegions`) on the same square.
 * Usage: node --import tsx bench/partition.ts [--runs N] [--no-engine]
 */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { resolve } from "node:path";
import { countRegions } from "../src/count/count.ts";
import { classBoundary } from "../src/geometry/class-boundary.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { verifyPartition } from "../src/geometry/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { uniformBox, type Network } from "../src/model/network.ts";
import { randomNet } from "../test/helpers/nets.ts";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 7;
const withEngine = !args.includes("--no-engine");
const fixtures = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../../shared/fixtures");
const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };

const nets: [string, Network][] = [
  ["random 2-64-64-64-2, seed 1", randomNet(1, 2, [64, 64, 64], 2)],
  ["random 2-64-64-64-2, seed 2", randomNet(2, 2, [64, 64, 64], 2)],
  ["random 2-64-64-64-2, seed 3", randomNet(3, 2, [64, 64, 64], 2)],
  ...["random-2-8-8-s1", "random-2-16-s2", "random-2-32-32-s5"].map((n): [string, Network] => [n, parseOnnx(new Uint8Array(readFileSync(`${fixtures}/${n}.onnx`)), n)]),
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t: number) => (t < 10 ? t.toFixed(2) : t.toFixed(0));

console.log(`Node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ${runs} runs per network after a first one, one process.\n`);
console.log("| network | regions | slivers | partition ms (median) | first run ms | boundary pieces | boundary ms | verify ms |" + (withEngine ? " engine ms (1 run) |" : ""));
console.log("|---|--:|--:|--:|--:|--:|--:|--:|" + (withEngine ? "--:|" : ""));
for (const [name, net] of nets) {
  let t0 = performance.now();
  let p = planarPartition(net, square);
  const first = performance.now() - t0;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    t0 = performance.now();
    p = planarPartition(net, square);
    times.push(performance.now() - t0);
  }
  t0 = performance.now();
  const b = classBoundary(p);
  const boundaryMs = performance.now() - t0;
  t0 = performance.now();
  const report = verifyPartition(net, p);
  const verifyMs = performance.now() - t0;
  if (!report.ok) throw new Error(`${name}: verifier failed: ${report.problems[0]}`);
  let engine = "";
  if (withEngine) {
    t0 = performance.now();
    const c = countRegions(net, { box: uniformBox(2, -1, 1) });
    engine = ` ${ms(performance.now() - t0)} |`;
    if (c.regions !== p.regions.length) throw new Error(`${name}: engine counts ${c.regions}, partition ${p.regions.length}`);
  }
  console.log(`| ${name} | ${p.regions.length} | ${p.slivers.length} | ${ms(median(times))} | ${ms(first)} | ${b.pieces.count} | ${ms(boundaryMs)} | ${ms(verifyMs)} |${engine}`);
}
