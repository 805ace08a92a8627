/**
 * MILP counting (Serra et al. 2018, src/milp/count.ts) on the small fixtures: fixture, regions, solves, seconds.
 * Run: node --import tsx bench/milp.ts [fixture ...]   (default: the random-* fixtures; MNIST ones take far longer)
 */
import { readFileSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOnnx } from "../src/io/onnx.ts";
import { uniformBox } from "../src/model/network.ts";
import { countRegionsMilp } from "../src/milp/count.ts";
import { loadHighs } from "../src/lp/highs.ts";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared/fixtures");
const names = process.argv.length > 2
  ? process.argv.slice(2)
  : ["random-1-8-8-s3", "random-2-8-8-s1", "random-2-16-s2", "random-3-6-6-6-s4", "random-2-32-32-s5"];
const highs = await loadHighs();
console.log(["fixture", "regions", "expected", "solves", "seconds"].join("\t"));
for (const name of names) {
  const net = parseOnnx(new Uint8Array(readFileSync(resolve(fixtures, `${name}.onnx`))), name);
  const e = JSON.parse(readFileSync(resolve(fixtures, `${name}.expected.json`), "utf8")) as { box: [number, number]; regions?: number };
  const r = await countRegionsMilp(net, { box: uniformBox(net.inputDim, e.box[0], e.box[1]), highs });
  console.log([name, r.regions, e.regions ?? "-", r.lps, r.seconds.toFixed(2)].join("\t"));
}
