/**
 * The effect of one of the engine's search options on counting (default: the central certificate; also
 * farthestFirst, lineSearch, flats): the engine runs the same shard of a model's tasks over [0, 1]^n0 with the option
 * on and off, alternating in one process (on, off, on, off, ...) so the machine's drift is shared, and checks that
 * both find the same regions. Prints regions, LPs, simplex iterations, the certificates' and the flats' statistics and
 * median seconds of each.
 *
 * Run: node --import tsx bench/central.ts MODEL [SHARD=5/128] [ROUNDS=3] [OPTION=central]
 * The study's networks come from their seeds, e.g. `tessera train --data mnist-small --arch 784,18,4,10 --seed 2 --out n18.json`.
 */
import { RegionEnumerator } from "../src/count/engine.ts";
import { loadModel } from "../src/io/load.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { uniformBox } from "../src/model/network.ts";
import { lpBounds } from "../src/tighten/lp.ts";

const [path, shardArg = "5/128", roundsArg = "3", option = "central"] = process.argv.slice(2);
const OPTIONS = ["central", "farthestFirst", "lineSearch", "flats"] as const;
if (!path || !(OPTIONS as readonly string[]).includes(option)) {
  console.error(`usage: node --import tsx bench/central.ts MODEL [SHARD=5/128] [ROUNDS=3] [OPTION=${OPTIONS.join("|")}]`);
  process.exit(2);
}
const [index, count] = shardArg.split("/").map(Number);
const { network: net } = await loadModel(path);
const highs = await loadHighs();
const box = uniformBox(net.inputDim, 0, 1);
const bounds = lpBounds(net, box, highs);
const exact = highsMarginSolver(highs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const times: Record<"on" | "off", number[]> = { on: [], off: [] };
const facts: Record<"on" | "off", string> = { on: "", off: "" };
let regionsSeen: number | undefined;
for (let round = 0; round < Number(roundsArg); round++) {
  for (const mode of ["on", "off"] as const) {
    const e = new RegionEnumerator(net, { box, bounds, exact, [option]: mode === "on" });
    const tasks = e.splitTasks().tasks.filter((_, i) => i % count === index);
    const lps0 = e.stats.lps;
    const lp = (e as unknown as { lp: { iterations: number } }).lp;
    const it0 = lp.iterations;
    const t0 = performance.now();
    let regions = 0;
    for (const task of tasks) regions += e.runTask(task);
    times[mode].push((performance.now() - t0) / 1000);
    if (regionsSeen === undefined) regionsSeen = regions;
    else if (regions !== regionsSeen) throw new Error(`${option} ${mode}: ${regions} regions, expected ${regionsSeen}`);
    facts[mode] = `${e.stats.lps - lps0} LPs, ${lp.iterations - it0} iterations` +
      `, ${e.centralHits} of ${e.centralTries} certificates, ${e.flatCells} cells by flats (${e.flatQueries} LPs, ${e.flatFallbacks} fallbacks)`;
    process.stderr.write(`round ${round + 1} ${option} ${mode}: ${times[mode].at(-1)!.toFixed(2)} s (${regions} regions, ${facts[mode]})\n`);
  }
}
const on = median(times.on), off = median(times.off);
console.log(`${path}, shard ${shardArg}: ${regionsSeen} regions; ${option} on: ${facts.on}, ${on.toFixed(2)} s; off: ${facts.off}, ` +
  `${off.toFixed(2)} s (medians of ${roundsArg}); ${(off / on).toFixed(2)}× faster`);
