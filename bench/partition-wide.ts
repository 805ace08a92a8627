/**
 * CPU time of the explorer's exact partition on wide networks (issue 31): a seeded random 2-256-256-2 ReLU network
 * (He initialisation, biases N(0, 0.3²), test/helpers/nets.ts) over [-1, 1]², partitioned by polygon clipping
 * (`planarPartition`), by the skeleton (`skeletonPartition`, with --skeleton) and as the partition worker does it
 * (planarPartitionFast + classBoundary; packing is not included: the package name "tessera" resolves to this checkout
 * through tsconfig paths, so another checkout's packPartition would run this one's core). With --baseline DIR the same functions of another checkout (say
 * /work/main) run alternated with these in one process, so the machine's load falls on both alike; the region counts
 * of the two must agree. CPU ms (user + system, process.cpuUsage), median of --runs after a first run.
 * With --strips it also times the explorer's two-worker partition (web/src/partition/strips.ts) of this checkout:
 * each strip as its worker computes it (packStrip: partition, class boundary, packing), the page's join, and one
 * worker's packPartition of the whole view; the critical path on two free cores is the slower strip plus the join.
 * Usage: node --import tsx bench/partition-wide.ts [--runs N] [--widths 256,256] [--seed S] [--baseline /work/main] [--skeleton] [--strips]
 */
import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Network } from "../src/model/network.ts";
import { randomNet } from "../test/helpers/nets.ts";

const USAGE = "usage: node --import tsx bench/partition-wide.ts [--runs N] [--widths 256,256] [--seed S] [--baseline DIR] [--skeleton] [--strips]";
function fail(message: string): never {
  process.stderr.write(`partition-wide: ${message}\n${USAGE}\n`);
  process.exit(2);
}
let parsed;
try {
  parsed = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      widths: { type: "string", default: "256,256" },
      seed: { type: "string", default: "1" },
      baseline: { type: "string" },
      skeleton: { type: "boolean", default: false },
      strips: { type: "boolean", default: false },
    },
  });
} catch (e) {
  fail((e as Error).message);
}
const opts = parsed.values;
const runs = Number(opts.runs);
const widths = opts.widths.split(",").map(Number);
if (!Number.isInteger(runs) || runs < 1) fail(`--runs "${opts.runs}": give a positive integer`);
if (widths.some((w) => !Number.isInteger(w) || w < 1)) fail(`--widths "${opts.widths}": give positive integers separated by commas`);
if (!Number.isInteger(Number(opts.seed))) fail(`--seed "${opts.seed}": give an integer`);
if (opts.baseline && !existsSync(resolve(opts.baseline, "src/geometry/partition.ts"))) fail(`--baseline ${opts.baseline}: no src/geometry/partition.ts there`);
const net: Network = randomNet(Number(opts.seed), 2, widths, 2);
const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
const here = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");

interface Checkout {
  name: string;
  fns: [string, () => number][];
}
async function checkout(root: string, name: string): Promise<Checkout> {
  const { planarPartition } = await import(`${root}/src/geometry/partition.ts`);
  const { skeletonPartition } = await import(`${root}/src/skeleton/partition.ts`);
  const { planarPartitionFast } = await import(`${root}/src/skeleton/partition.ts`);
  const { classBoundary } = await import(`${root}/src/geometry/class-boundary.ts`);
  const fns: [string, () => number][] = [
    ["planarPartition (clipping)", () => planarPartition(net, square).regions.length],
    ["planarPartitionFast + classBoundary (the worker's partition)", () => {
      const p = planarPartitionFast(net, square);
      classBoundary(p);
      return p.regions.length;
    }],
  ];
  if (opts.skeleton) fns.push(["skeletonPartition", () => skeletonPartition(net, square).regions.length]);
  return { name, fns };
}

const sides = [await checkout(here, "this branch")];
if (opts.baseline) sides.push(await checkout(resolve(opts.baseline), opts.baseline));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpu = (f: () => number): [number, number] => {
  const c0 = process.cpuUsage();
  const n = f();
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1000, n];
};

console.log(`Node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; random 2-${widths.join("-")}-2 seed ${opts.seed} over [-1, 1]²; CPU ms, median of ${runs} after a first run${opts.baseline ? ", the two checkouts alternated" : ""}.\n`);
console.log(`| function | regions | ${sides.map((s) => `${s.name} CPU ms`).join(" | ")} |${opts.baseline ? " ratio |" : ""}`);
console.log(`|---|--:|${sides.map(() => "--:|").join("")}${opts.baseline ? "--:|" : ""}`);
for (let i = 0; i < sides[0].fns.length; i++) {
  const times = sides.map(() => [] as number[]);
  const counts = sides.map(() => new Set<number>());
  for (let r = 0; r <= runs; r++) {
    sides.forEach((s, k) => {
      const [ms, n] = cpu(s.fns[i][1]);
      counts[k].add(n);
      if (r > 0) times[k].push(ms);
    });
  }
  const all = new Set(counts.flatMap((c) => [...c]));
  if (all.size !== 1) throw new Error(`${sides[0].fns[i][0]}: region counts differ: ${[...all].join(", ")}`);
  const med = times.map(median);
  console.log(`| ${sides[0].fns[i][0]} | ${[...all][0].toLocaleString("en-US")} | ${med.map((m) => m.toFixed(0)).join(" | ")} |${opts.baseline ? ` ${(med[1] / med[0]).toFixed(2)}× |` : ""}`);
}

if (opts.strips) {
  const { packPartition } = await import("../web/src/partition/packed.ts");
  const { joinStrips, packStrip, stripPicture } = await import("../web/src/partition/strips.ts");
  const seam = 0.0017; // off the centre line (the page's seam is a pixel column near the middle)
  const t = { whole: [] as number[], left: [] as number[], right: [] as number[], join: [] as number[], picture: [] as number[] };
  let regions = 0;
  for (let r = 0; r <= runs; r++) {
    const [w, nw] = cpu(() => packPartition(net, square).regions);
    let L: ReturnType<typeof packStrip> | undefined, R: typeof L;
    const [l] = cpu(() => (L = packStrip(net, square, seam, 0)).regions);
    const [rr] = cpu(() => (R = packStrip(net, square, seam, 1)).regions);
    let joined: ReturnType<typeof joinStrips> | undefined;
    const [j, nj] = cpu(() => (joined = joinStrips(L!, R!, square, seam, 0.005)).merged.regions);
    const [pic] = cpu(() => stripPicture(L!, joined!.paint[0], joined!.merged).regions);
    if (nj !== nw) throw new Error(`strips joined: ${nj} regions, one worker: ${nw}`);
    regions = nw;
    if (r === 0) continue;
    t.whole.push(w);
    t.left.push(l);
    t.right.push(rr);
    t.join.push(j);
    t.picture.push(pic);
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as Record<keyof typeof t, number>;
  const critical = Math.max(m.left, m.right) + m.join;
  console.log(`\nThe explorer's view in two strips (this checkout; ${regions.toLocaleString("en-US")} regions, seam u = ${seam}), CPU ms, median of ${runs}:\n`);
  console.log("| one worker: packPartition | left strip: packStrip | right strip: packStrip | page: joinStrips | a strip's picture list (stripPicture) | critical path: slower strip + join | one worker ÷ critical path |");
  console.log("|--:|--:|--:|--:|--:|--:|--:|");
  console.log(`| ${m.whole.toFixed(0)} | ${m.left.toFixed(0)} | ${m.right.toFixed(0)} | ${m.join.toFixed(0)} | ${m.picture.toFixed(0)} | ${critical.toFixed(0)} | ${(m.whole / critical).toFixed(2)}× |`);
}
