/**
 * Benchmark of the ONNX graph compiler: load every torch 2.13 export in ../shared/fixtures/torch (external data
 * included) several times in one process and report the median load time and the compiled network's size.
 *
 * Run: node --import tsx bench/onnx-load.ts [--runs R]
 */
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadModel } from "../src/io/load.ts";
import { hiddenUnitCount, parameterCount } from "../src/model/network.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TORCH = resolve(REPO, "../shared/fixtures/torch");
/** Default loads per fixture (the first warms the JIT and is included: it is what a CLI call pays). */
const DEFAULT_RUNS = 5;

const { values } = parseArgs({ options: { runs: { type: "string" } } });
const runs = Number(values.runs ?? DEFAULT_RUNS);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log("| model | median load (ms) | first load (ms) | hidden units | compiled parameters |");
console.log("|---|---:|---:|---:|---:|");
for (const file of readdirSync(TORCH).filter((f) => f.endsWith(".onnx")).sort()) {
  const times: number[] = [];
  let units = 0, params = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const { network } = await loadModel(join(TORCH, file));
    times.push(performance.now() - t0);
    units = hiddenUnitCount(network);
    params = parameterCount(network);
  }
  console.log(`| ${file} | ${median(times).toFixed(0)} | ${times[0].toFixed(0)} | ${units.toLocaleString("en-US")} | ${params.toLocaleString("en-US")} |`);
}
