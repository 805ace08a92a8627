/**
 * Low-dimensional counting (issue 28): the skeleton engine (src/skeleton/), the LP engine (`countRegions`), and in 2-D
 * the planar partition both ways (polygon clipping, `planarPartition`, and from the skeleton, `skeletonPartition`), in-process and one thread, on the six 1- to 3-input fixtures; then `tessera count` (method
 * auto) as a whole process, beside a process that only starts the CLI (`tessera --version`). The peer's figures
 * (Berzins 2023, edge subdivision, torch CPU, one thread) are quoted from issue 28, measured on this machine: the
 * peer needs torch, which this project does not install.
 *
 * In-process times: the median over runs after a warm-up (at least WARMUP_RUNS runs and WARMUP_MS of them, so that
 * the timed runs are of optimised code: with one warm-up run, a small network was timed while V8 still compiled the
 * engine's functions, e.g. random-2-8-8-s1 at 5 ms against 0.1 ms once compiled), wall (performance.now) and CPU
 * (process.cpuUsage, all of the process's threads: the compiler's and the GC's too) both: the machine is shared, and
 * CPU time is the steadier of the two when it is busy. "first run" is the first call in a fresh process's loop (cold
 * code, as a single `tessera count` runs it). "skeleton, workspace" times the same counts made with one
 * `SkeletonWorkspace` (each count takes over the previous one's typed arrays, as repeated counts in a process can);
 * the other columns allocate afresh every count.
 * Then 1-input seeded random networks, the skeleton against intervals (what `auto` picks on 1 input is the faster),
 * and 4-input ones, skeleton against the LP engine (`--no-four` skips them).
 * Usage: node --import tsx bench/lowdim.ts [--runs N] [--process-runs N] [--no-engine] [--no-four] [--no-process]
 * Exit code 1 if a count differs from the fixture's expected one.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { countRegions } from "../src/count/count.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { skeletonPartition } from "../src/skeleton/partition.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import type { Box, Network } from "../src/model/network.ts";
import { SkeletonWorkspace, skeletonCount } from "../src/skeleton/count.ts";
import { intervalCount } from "../src/skeleton/intervals.ts";
import { randomNet } from "../test/helpers/nets.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = resolve(REPO, "../shared/fixtures");
const CLI = join(REPO, "bin/tessera.mjs");
const NAMES = ["random-1-8-8-s3", "random-2-8-8-s1", "random-3-6-6-6-s4", "random-2-32-32-s5", "random-2-64-64-64-s7", "random-3-24-24-24-s8"];
/** Issue 28's measurements of the peer (edge subdivision, torch CPU, one thread, median of 3–7 runs), in seconds. */
const PEER: Record<string, number> = { "random-2-32-32-s5": 0.051, "random-2-64-64-64-s7": 0.378, "random-3-24-24-24-s8": 0.344 };
/** Issue 28's targets (10× the peer in 2-D, 5× in 3-D), in seconds. */
const TARGET: Record<string, number> = { "random-2-32-32-s5": 0.005, "random-2-64-64-64-s7": 0.038, "random-3-24-24-24-s8": 0.07 };
/** The LP engine runs once in-process when its first run takes longer than this (seconds). */
const ENGINE_SLOW = 2;

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const runs = flag("--runs", 7);
const processRuns = flag("--process-runs", 5);
const withEngine = !args.includes("--no-engine");
const withProcess = !args.includes("--no-process");
/** Warm-up before the timed runs: at least this many runs and this many milliseconds of them (at most 100 runs). */
const WARMUP_RUNS = 3;
const WARMUP_MS = 300;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Median wall and CPU milliseconds of `f` over `n` runs after the warm-up; returns f's last value too. */
function timeIt<T>(f: () => T, n: number): { wall: number; cpu: number; value: T; first: number } {
  const t0 = performance.now();
  let t = t0;
  let value = f();
  const first = performance.now() - t;
  for (let w = 1; w < 100 && (w < WARMUP_RUNS || performance.now() - t0 < WARMUP_MS); w++) value = f();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < n; i++) {
    t = performance.now();
    const c = cpuMs();
    value = f();
    cpus.push(cpuMs() - c);
    walls.push(performance.now() - t);
  }
  return { wall: median(walls), cpu: median(cpus), value, first };
}

function wallOf(cmd: string[], n: number): number {
  const walls: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t = performance.now();
    execFileSync(process.execPath, cmd, { stdio: ["ignore", "pipe", "pipe"] });
    if (i > 0) walls.push(performance.now() - t); // the first run warms the file cache
  }
  return median(walls) / 1000;
}

const fmtMs = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));
const fmtS = (s: number) => (s < 1 ? s.toFixed(3) : s.toFixed(2));

let failed = false;
const rows: string[] = [];
const processRows: string[] = [];
const startup = withProcess ? wallOf([CLI, "--version"], processRuns) : 0;
for (const name of NAMES) {
  const net: Network = parseOnnx(new Uint8Array(readFileSync(join(FIXTURES, `${name}.onnx`))), name);
  const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), "utf8")) as { regions: number; box: [number, number] | [number, number][] };
  const b = expected.box;
  const lo = Array.isArray(b[0]) ? (b as [number, number][]).map((p) => p[0]) : new Array(net.inputDim).fill(b[0]);
  const hi = Array.isArray(b[0]) ? (b as [number, number][]).map((p) => p[1]) : new Array(net.inputDim).fill(b[1]);
  const box: Box = { lo: Float64Array.from(lo), hi: Float64Array.from(hi) };
  process.stderr.write(`lowdim: ${name}\n`);
  const sk = timeIt(() => skeletonCount(net, { box }), runs);
  const workspace = new SkeletonWorkspace();
  const skw = timeIt(() => skeletonCount(net, { box, workspace }), runs);
  const ok = sk.value.regions === expected.regions && skw.value.regions === expected.regions;
  if (!ok) failed = true;
  let engine = "–";
  if (withEngine) {
    const t0 = performance.now();
    let r = countRegions(net, { box });
    const firstS = (performance.now() - t0) / 1000;
    let seconds = firstS;
    if (firstS < ENGINE_SLOW) {
      const e = timeIt(() => countRegions(net, { box }), 3);
      r = e.value;
      seconds = e.wall / 1000;
    }
    if (r.regions !== expected.regions) failed = true;
    engine = `${fmtS(seconds)} s${firstS >= ENGINE_SLOW ? " (1 run)" : ""}`;
  }
  let partition = "–";
  let skPartition = "–";
  if (net.inputDim === 2) {
    const rect = { umin: lo[0], umax: hi[0], vmin: lo[1], vmax: hi[1] };
    const p = timeIt(() => planarPartition(net, rect), Math.min(runs, 5));
    const q = timeIt(() => skeletonPartition(net, rect), Math.min(runs, 5));
    if (q.value.regions.length !== expected.regions) failed = true;
    partition = `${fmtMs(p.wall)} ms (${fmtMs(p.cpu)} CPU)`;
    skPartition = `${fmtMs(q.wall)} ms (${fmtMs(q.cpu)} CPU)`;
  }
  const peer = PEER[name];
  const target = TARGET[name];
  const ratio = peer ? `${(peer / (sk.wall / 1000)).toFixed(1)}× (${(peer / (sk.cpu / 1000)).toFixed(1)}× on CPU time)` : "–";
  rows.push(
    `| ${name} | ${expected.regions.toLocaleString("en-US")}${ok ? "" : ` (skeleton: ${sk.value.regions} / ${skw.value.regions}, WRONG)`} | ${fmtMs(sk.wall)} ms | ${fmtMs(sk.cpu)} ms | ${fmtMs(skw.wall)} / ${fmtMs(skw.cpu)} ms | ${fmtMs(sk.first)} ms | ${partition} | ${skPartition} | ${engine} | ${peer ? `${peer} s` : "–"} | ${ratio} | ${target ? `${target} s` : "–"} |`,
  );
  if (!withProcess) continue;
  const whole = wallOf([CLI, "count", join(FIXTURES, `${name}.onnx`), "--json", "--no-progress"], processRuns);
  const out = JSON.parse(execFileSync(process.execPath, [CLI, "count", join(FIXTURES, `${name}.onnx`), "--json", "--no-progress"], { encoding: "utf8" })) as { method: string; regions: number; seconds: number };
  if (out.regions !== expected.regions) failed = true;
  processRows.push(`| ${name} | ${out.method} | ${out.regions.toLocaleString("en-US")} | ${fmtS(whole)} s | ${fmtS(out.seconds)} s | ${fmtS(startup)} s |`);
}

console.log(`Load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ${runs} in-process runs per network after a warm-up (median), one thread.\n`);
console.log("| network | regions | skeleton (wall) | skeleton (CPU) | skeleton, workspace (wall / CPU) | first run | planar partition, clipping (`planarPartition`) | planar partition, skeleton (`skeletonPartition`) | LP engine (`countRegions`) | peer: edge subdivision (issue 28) | peer ÷ skeleton | target |");
console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
for (const r of rows) console.log(r);
if (withProcess) {
  console.log(`\nWhole process, \`tessera count F.onnx --json\` (method auto), median of ${processRuns} runs after one; *start-up* is \`tessera --version\` (Node, tsx and the CLI's modules; no HiGHS):\n`);
  console.log("| network | method | regions | whole process | counting (CLI's own seconds) | start-up |");
  console.log("|---|---|--:|--:|--:|--:|");
  for (const r of processRows) console.log(r);
}

// 1 input: the skeleton against intervals (auto takes the skeleton where it can count), seeded He-initialised ReLU
// networks, box [-1, 1], both in-process and one thread.
console.log("\n1 input, seeded random ReLU networks (test/helpers/nets.ts `randomNet(1, 1, widths)`), box [-1, 1]; median ms (wall / CPU) after the warm-up, and the first run:\n");
console.log("| network | regions (skeleton = intervals) | skeleton | intervals | skeleton first run | intervals first run |");
console.log("|---|--:|--:|--:|--:|--:|");
for (const widths of [[8, 8], [32, 32], [64, 64, 64]]) {
  const net = randomNet(1, 1, widths);
  const box1: Box = { lo: Float64Array.of(-1), hi: Float64Array.of(1) };
  const sk = timeIt(() => skeletonCount(net, { box: box1 }), runs);
  const iv = timeIt(() => intervalCount(net, { box: box1 }), runs);
  if (sk.value.regions !== iv.value.regions) failed = true;
  const same = sk.value.regions === iv.value.regions ? "" : ` (intervals: ${iv.value.regions}, DIFFERENT)`;
  console.log(`| 1-${widths.join("-")}-2 | ${sk.value.regions.toLocaleString("en-US")}${same} | ${fmtMs(sk.wall)} / ${fmtMs(sk.cpu)} ms | ${fmtMs(iv.wall)} / ${fmtMs(iv.cpu)} ms | ${fmtMs(sk.first)} ms | ${fmtMs(iv.first)} ms |`);
}

// 4 inputs (no shared fixture has 4): seeded He-initialised ReLU networks, the skeleton against the LP engine, both
// in-process and one thread, CPU time (median of 3 after a warm-up; the engine once when slow).
if (!args.includes("--no-four")) {
  console.log("\n4 inputs, seeded random ReLU networks (test/helpers/nets.ts `randomNet(seed, 4, widths)`), box [-1, 1]^4; CPU ms:\n");
  console.log("| network | regions (skeleton = LP engine) | skeleton CPU ms | LP engine CPU ms | engine ÷ skeleton |");
  console.log("|---|--:|--:|--:|--:|");
  for (const [seed, widths] of [[1, [8, 8]], [2, [10, 10, 10]], [3, [16, 16]]] as [number, number[]][]) {
    const net = randomNet(seed, 4, widths);
    const box4: Box = { lo: new Float64Array(4).fill(-1), hi: new Float64Array(4).fill(1) };
    const sk = timeIt(() => skeletonCount(net, { box: box4 }), 3);
    const e = timeIt(() => countRegions(net, { box: box4 }), 1);
    if (sk.value.regions !== e.value.regions) failed = true;
    const name = `4-${widths.join("-")}-2 (seed ${seed})`;
    console.log(`| ${name} | ${sk.value.regions.toLocaleString("en-US")}${sk.value.regions === e.value.regions ? "" : ` (engine: ${e.value.regions}, DIFFERENT)`} | ${fmtMs(sk.cpu)} | ${fmtMs(e.cpu)} | ${(e.cpu / sk.cpu).toFixed(1)}× |`);
  }
}
if (failed) {
  console.log("\n**A count differs from the fixture's expected count.**");
  process.exitCode = 1;
}
