/**
 * Cold versus warm engine time in one process: the CLI's `seconds` includes V8 compiling the hot loops (and HiGHS's
 * wasm warming up); a long-lived caller (a server, the browser app, a sweep over networks) pays that once.
 * Usage: node --import tsx bench/warm.ts [fixture ...]
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { countRegions } from "../src/count/count.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { uniformBox } from "../src/model/network.ts";
import { lpBounds } from "../src/tighten/lp.ts";

const fixtures = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../../shared/fixtures");
const names = process.argv.slice(2).length ? process.argv.slice(2) : ["random-2-32-32-s5", "random-3-6-6-6-s4"];
const highs = await loadHighs();
console.log("| fixture | regions | run 1 s | run 2 s | run 3 s |");
console.log("|---|--:|--:|--:|--:|");
for (const name of names) {
  const net = parseOnnx(new Uint8Array(readFileSync(`${fixtures}/${name}.onnx`)), name);
  const box = JSON.parse(readFileSync(`${fixtures}/${name}.expected.json`, "utf8")).box as [number, number];
  const times: string[] = [];
  let regions = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const b = uniformBox(net.inputDim, box[0], box[1]);
    regions = countRegions(net, { box: b, bounds: lpBounds(net, b, highs), exact: highsMarginSolver(highs) }).regions;
    times.push(((performance.now() - t0) / 1000).toFixed(3));
  }
  console.log(`| ${name} | ${regions} | ${times.join(" | ")} |`);
}
