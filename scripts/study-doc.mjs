// Refresh the full MNIST study's section of docs/study.md from results/serra2018/ (the study's own table.md, runs.json
// and checkpoints) and copy its two figures to docs/img/study-full-*. Run after `tessera study serra2018` has written
// its outputs: node scripts/study-doc.mjs [RESULTS_DIR=results/serra2018]
// Only the text between the markers <!-- full-study:NAME --> … <!-- /full-study:NAME --> is replaced, for NAME =
// status, table and claims (the numbers the claims paragraphs quote).
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "results/serra2018";
const doc = "docs/study.md";
const table = readFileSync(join(dir, "table.md"), "utf8");
const runs = JSON.parse(readFileSync(join(dir, "runs.json"), "utf8"));
const fmt = (x) => x.toLocaleString("en-US");

const finished = /Networks: (\d+) of (\d+) finished/.exec(table);
if (!finished) throw new Error(`${dir}/table.md: no "Networks: K of N finished" line`);
const timeLine = table.split("\n").find((l) => l.startsWith("Time: ")) ?? "";
const wall = /Time: (.+?) of wall-clock time/.exec(timeLine)?.[1] ?? "?";
const slowest = /slowest network (\S+): (\d+) s for ([\d,]+) regions/.exec(timeLine);

const partialDir = join(dir, "partial");
const partials = existsSync(partialDir)
  ? readdirSync(partialDir).filter((f) => f.endsWith(".json")).sort().map((f) => {
      const p = JSON.parse(readFileSync(join(partialDir, f), "utf8"));
      const done = Object.values(p.done);
      const regions = done.reduce((s, [r]) => s + r, 0);
      return `${p.id} (${done.length}/${p.tasks} tasks, ${fmt(regions)} regions so far)`;
    })
  : [];

const complete = finished[1] === finished[2];
const workerSet = [...new Set(runs.map((r) => r.workers))].sort((a, b) => a - b);
const workerCounts = workerSet.length ? workerSet.join(" or ") : "?";
const status = [
  complete
    ? `**Complete: all ${finished[2]} networks**, ${wall} of wall-clock time over ${runs.length} run(s)`
    : `**Status: ${finished[1]} of ${finished[2]} networks finished**, ${wall} of wall-clock time over ${runs.length} run(s)`,
  `with \`--workers ${workerCounts}\` on this 2-core machine (the machine also ran other work).` +
    (slowest ? ` The slowest network${complete ? "" : " so far"} is ${slowest[1]}: ${slowest[2]} s for ${slowest[3]} regions.` : ""),
  partials.length
    ? `Counts in progress, checkpointed in \`${dir}/partial/\`: ${partials.join("; ")}.`
    : "No count is in progress.",
].join("\n");

// The table, the correlation and the time lines of the study's own table.md, from the table header on.
const from = table.indexOf("| N1 |");
if (from < 0) throw new Error(`${dir}/table.md: no table`);
const body = table.slice(from).trim();

function replaceBlock(text, name, content) {
  const open = `<!-- full-study:${name} -->`, close = `<!-- /full-study:${name} -->`;
  const a = text.indexOf(open), b = text.indexOf(close);
  if (a < 0 || b < a) throw new Error(`${doc}: markers ${open} … ${close} not found`);
  return text.slice(0, a + open.length) + "\n" + content + "\n" + text.slice(b);
}

// The numbers the claims paragraphs quote, computed from table.csv and networks.csv (so the prose can be checked).
function readCsv(path) {
  const [head, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const keys = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [keys[i], v])));
}
const configs = new Map(readCsv(join(dir, "table.csv")).map((r) => [Number(r.n1), r]));
const nets = readCsv(join(dir, "networks.csv"));
const pct = (n1) => (100 * Number(configs.get(n1).regions_mean)) / Number(configs.get(n1).serra2018);
const byN1 = new Map();
for (const r of nets) byN1.set(Number(r.n1), [...(byN1.get(Number(r.n1)) ?? []), Number(r.regions)]);
const spread = (n1) => {
  const c = byN1.get(n1) ?? [];
  return { ratio: Math.max(...c) / Math.min(...c), min: Math.min(...c), max: Math.max(...c) };
};
const present = [...configs.keys()].sort((a, b) => a - b);
const inRange = (a, b) => present.filter((n) => n >= a && n <= b);
const claims = [];
const failures = nets.filter((r) => !(Number(r.digit_patterns) <= Number(r.regions) &&
  Number(r.regions) <= Number(r.serra2018_stable) &&
  Number(r.serra2018_stable) <= Number(configs.get(Number(r.n1)).serra2018)));
claims.push(`- Networks: ${nets.length}. Failing digit patterns ≤ count ≤ stable-unit bound ≤ Theorem 1: ` +
  (failures.length ? failures.map((r) => r.id).join(", ") : "none") + ".");
const mid = inRange(3, 11);
if (mid.length) {
  const ps = mid.map(pct);
  claims.push(`- Mean count as a share of Theorem 1's bound: ${Math.min(...ps).toFixed(0)}–${Math.max(...ps).toFixed(0)} % for ` +
    `N1 = ${mid[0]} to ${mid.at(-1)}; ` +
    present.filter((n) => n >= 12).map((n) => `${pct(n).toFixed(1)} % at N1 = ${n}`).join(", ") + ".");
}
const montufar = present.map((n) => [n, Number(configs.get(n).montufar2017) / Number(configs.get(n).regions_mean)]);
if (montufar.length) {
  const [mN1, mRatio] = montufar.reduce((a, b) => (b[1] > a[1] ? b : a));
  claims.push(`- Montúfar 2017's bound over the mean count: at most ${mRatio.toFixed(0)}× (N1 = ${mN1}).`);
}
const spreads = present.map((n) => [n, spread(n)]);
const wideSpread = (from) => {
  const r = spreads.filter(([n]) => n >= from).map(([, s]) => s.ratio - 1);
  return r.length ? `at most ${(Math.max(...r) * 100).toFixed(1)} % from N1 = ${from} on` : `none yet from N1 = ${from} on`;
};
if (spreads.length) {
  const [sN1, sMax] = spreads.reduce((a, b) => (b[1].ratio > a[1].ratio ? b : a));
  claims.push(`- Largest count over smallest among a configuration's seeds: at most ${sMax.ratio.toFixed(2)}× (N1 = ${sN1}: ` +
    `${fmt(sMax.min)} to ${fmt(sMax.max)}); ${wideSpread(16)}, ${wideSpread(18)}.`);
}
if (byN1.has(21)) {
  const c21 = spread(21);
  claims.push(`- N1 = 21 (one second-layer unit): ${fmt(c21.min)} to ${fmt(c21.max)} regions of ` +
    `${fmt(Number(configs.get(21).serra2018))}.`);
}

let text = readFileSync(doc, "utf8");
text = replaceBlock(text, "claims", claims.join("\n"));
text = replaceBlock(text, "status", status);
text = replaceBlock(text, "table", body);
// The section's heading and the figures' captions say whether the study is still running.
const headings = complete
  ? [["### The full study (in progress)", "### The full study"], ["![Full study so far:", "![Full study:"]]
  : [["### The full study\n", "### The full study (in progress)\n"], ["![Full study:", "![Full study so far:"]];
for (const [from, to] of headings) text = text.split(from).join(to);
writeFileSync(doc, text);
for (const name of ["regions-vs-bounds", "error-vs-regions"]) {
  for (const ext of ["svg", "png"]) {
    const src = join(dir, `${name}.${ext}`);
    if (existsSync(src)) copyFileSync(src, `docs/img/study-full-${name}.${ext}`);
  }
}
console.log(`${doc}: ${finished[1]} of ${finished[2]} networks${complete ? " (complete)" : ""}, ${partials.length} in progress`);
