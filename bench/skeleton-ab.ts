/**
 * Same-process A/B of the skeleton count against another checkout's (default /work/main): the two alternated run by
 * run after warm-ups, CPU ms (process.cpuUsage), medians and the paired ratio. On a loaded machine only paired ratios
 * are trustworthy. `--workspace`: this checkout's counts reuse one SkeletonWorkspace (as repeated counts in a process
 * can), the other's are fresh. Usage: node --import tsx bench/skeleton-ab.ts [--other DIR] [--runs N] [--workspace] [NAME ...]
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseOnnx } from "../src/io/onnx.ts";
import type { Box } from "../src/model/network.ts";
import { SkeletonWorkspace, skeletonCount } from "../src/skeleton/count.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = resolve(REPO, "../shared/fixtures");
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const other = resolve(opt("--other", "/work/main"));
const runs = Number(opt("--runs", "21"));
const flags = new Set(["--workspace"]);
const names = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--") && !flags.has(args[i - 1])));
const workspace = args.includes("--workspace") ? new SkeletonWorkspace() : undefined;
if (names.length === 0) names.push("random-3-24-24-24-s8");
const theirs = (await import(pathToFileURL(join(other, "src/skeleton/count.ts")).href)) as { skeletonCount: typeof skeletonCount };
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${runs} alternated runs after 3 warm-ups each; other = ${other}${workspace ? "; this checkout with a workspace" : ""}`);
for (const name of names) {
  const net = parseOnnx(new Uint8Array(readFileSync(join(FIXTURES, `${name}.onnx`))), name);
  const exp = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), "utf8")) as { regions: number; box: [number, number] | [number, number][] };
  const b = exp.box;
  const pairs = Array.isArray(b[0]) ? (b as [number, number][]) : Array.from({ length: net.inputDim }, () => b as [number, number]);
  const box: Box = { lo: Float64Array.from(pairs.map((p) => p[0])), hi: Float64Array.from(pairs.map((p) => p[1])) };
  const fa = () => theirs.skeletonCount(net, { box }).regions;
  const fb = () => skeletonCount(net, { box, workspace }).regions;
  for (let w = 0; w < 3; w++) {
    fa();
    fb();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const ratio: number[] = [];
  let ca = 0;
  let cb = 0;
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0;
    let x = 0;
    let y = 0;
    for (const first of order ? [true, false] : [false, true]) {
      const c0 = cpu();
      if (first) ca = fa();
      else cb = fb();
      const t = cpu() - c0;
      if (first) x = t;
      else y = t;
    }
    ta.push(x);
    tb.push(y);
    ratio.push(x / y);
  }
  console.log(
    `${name}: regions other ${ca} this ${cb} (expected ${exp.regions}); median CPU other ${median(ta).toFixed(1)} ms, this ${median(tb).toFixed(1)} ms; ` +
      `other ÷ this: ratio of medians ${(median(ta) / median(tb)).toFixed(3)}, median paired ratio ${median(ratio).toFixed(3)}; fastest other ${Math.min(...ta).toFixed(1)}, this ${Math.min(...tb).toFixed(1)}`,
  );
}
