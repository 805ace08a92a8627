// Regenerate a Serra et al. 2018 study's outputs from its records and refresh its section of docs/study.md:
//   node scripts/study-doc.mjs [RESULTS_DIR=results/serra2018]
// 1. From DIR/results/*.json and DIR/runs.json it rewrites DIR/table.md, table.csv, networks.csv, correlations.md,
//    correlations.csv and the figures (regions-vs-bounds, error-vs-regions, test-error-vs-regions; SVG and PNG), with
//    the same code the study runs after every network (writeStudyOutputs), so a directory written by an older version
//    gets every output of this one. Idempotent: run twice, the same bytes.
// 2. Copies the figures' PNG and SVG to docs/img/study-NAME-*.{png,svg}, NAME the directory's base name.
// 3. Replaces the text between the markers <!-- NAME:BLOCK --> … <!-- /NAME:BLOCK --> of docs/study.md for BLOCK =
//    status, table, correlations and claims (the numbers the claims quote), when those markers are present.
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { register } from "tsx/esm/api";

register();
const { StudyStore } = await import("../src/study/store.ts");
const { writeStudyOutputs } = await import("../src/study/serra2018.ts");
const { withStudyData } = await import("../src/study/plan.ts");
const { cutoffCorrelations, withinConfigCorrelations } = await import("../src/study/correlation.ts");
const { median } = await import("../src/util/stats.ts");
const { DEFAULT_MIN_WIDTH, FULL_STUDY } = await import("../src/cli/commands/study.ts");

const dir = (process.argv[2] ?? "results/serra2018").replace(/\/+$/, "");
const name = basename(dir);
const doc = "docs/study.md";
const fail = (msg) => {
  process.stderr.write(`study-doc: ${msg}\n`);
  process.exit(2);
};
if (!existsSync(join(dir, "study.json"))) fail(`${dir}: no study.json (not a study directory)`);
const studyFile = JSON.parse(readFileSync(join(dir, "study.json"), "utf8"));
if (studyFile.study !== "serra2018") fail(`${dir}/study.json: not a serra2018 study`);
const settings = withStudyData(studyFile.settings);
const store = new StudyStore(dir);
const records = store.records();
if (records.length === 0) fail(`${dir}/results: no finished network`);
// The plan: the full study's 21 configurations × 10 networks unless the table says otherwise.
const oldTable = existsSync(join(dir, "table.md")) ? readFileSync(join(dir, "table.md"), "utf8") : "";
const planned = Number(/Networks: \d+ of (\d+) finished/.exec(oldTable)?.[1] ?? 21 * FULL_STUDY.nets);
writeStudyOutputs(store, records, planned, settings, DEFAULT_MIN_WIDTH);

const table = readFileSync(join(dir, "table.md"), "utf8");
const runs = store.runs();
const fmt = (x) => x.toLocaleString("en-US");
const finished = /Networks: (\d+) of (\d+) finished/.exec(table);
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
const status = [
  complete
    ? `**Complete: all ${finished[2]} networks**, ${wall} of wall-clock time over ${runs.length} run(s)`
    : `**Status: ${finished[1]} of ${finished[2]} networks finished**, ${wall} of wall-clock time over ${runs.length} run(s)`,
  `with \`--workers ${workerSet.length ? workerSet.join(" or ") : "?"}\` on this 2-core machine (the machine also ran other work).` +
    (slowest ? ` The slowest network${complete ? "" : " so far"} is ${slowest[1]}: ${slowest[2]} s for ${slowest[3]} regions.` : ""),
  partials.length ? `Counts in progress, checkpointed in \`${dir}/partial/\`: ${partials.join("; ")}.` : "No count is in progress.",
].join("\n");

const from = table.indexOf("| N1 |");
const body = table.slice(from).trim();
const correlationsText = readFileSync(join(dir, "correlations.md"), "utf8").trim();

// The numbers the claims quote, from the records themselves (so the prose can be checked against them).
const byN1 = new Map();
for (const r of records) byN1.set(r.n1, [...(byN1.get(r.n1) ?? []), r]);
const present = [...byN1.keys()].sort((a, b) => a - b);
const meanOf = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const bound = (n1) => Number(byN1.get(n1)[0].bounds.serra2018);
const pct = (n1) => (100 * meanOf(byN1.get(n1).map((r) => r.regions))) / bound(n1);
const claims = [];
const failures = records.filter((r) => !(r.probePatterns <= r.regions && BigInt(r.regions) <= BigInt(r.bounds.serra2018Stable) && BigInt(r.bounds.serra2018Stable) <= BigInt(r.bounds.serra2018)));
claims.push(`- Networks: ${records.length}. Failing digit patterns ≤ count ≤ stable-unit bound ≤ Serra et al. 2018's bound: ${failures.length ? failures.map((r) => r.id).join(", ") : "none"}.`);
const mid = present.filter((n) => n >= 3 && n <= 11);
if (mid.length) {
  const ps = mid.map(pct);
  claims.push(`- Mean count as a share of Serra et al. 2018's bound: ${Math.min(...ps).toFixed(0)}–${Math.max(...ps).toFixed(0)} % for N1 = ${mid[0]} to ${mid.at(-1)}; ` +
    present.filter((n) => n >= 12).map((n) => `${pct(n).toFixed(1)} % at N1 = ${n}`).join(", ") + ".");
}
const montufar = present.map((n) => [n, Number(byN1.get(n)[0].bounds.montufar2017) / meanOf(byN1.get(n).map((r) => r.regions))]);
if (montufar.length) {
  const [mN1, mRatio] = montufar.reduce((a, b) => (b[1] > a[1] ? b : a));
  claims.push(`- Montúfar 2017's bound over the mean count: at most ${mRatio.toFixed(0)}× (N1 = ${mN1}).`);
}
const spreads = present.map((n) => {
  const c = byN1.get(n).map((r) => r.regions);
  return [n, { ratio: Math.max(...c) / Math.min(...c), min: Math.min(...c), max: Math.max(...c) }];
});
const [sN1, sMax] = spreads.reduce((a, b) => (b[1].ratio > a[1].ratio ? b : a));
claims.push(`- Largest count over smallest among a configuration's seeds: at most ${sMax.ratio.toFixed(2)}× (N1 = ${sN1}: ${fmt(sMax.min)} to ${fmt(sMax.max)}).`);
const n8to17 = records.filter((r) => r.n1 >= 8 && r.n1 <= 17);
if (n8to17.length) {
  const te = n8to17.map((r) => 100 * r.testError).sort((a, b) => a - b);
  const inPaperRange = te.filter((e) => e >= 5 && e <= 6).length;
  claims.push(`- Test error over N1 = 8 to 17 (${n8to17.length} networks): median ${median(te).toFixed(2)} %, range ${te[0].toFixed(2)}–${te.at(-1).toFixed(2)} %; ` +
    `${inPaperRange} of ${n8to17.length} between 5 and 6 % (the paper: "test error in half of them ranging from 5 to 6 %").`);
}
const cut = cutoffCorrelations(records);
const r3 = (v) => (Number.isFinite(v) ? v.toFixed(3) : "–");
claims.push(`- ρ(count, train CE) by cut-off w = 1…8: ${cut.map((c) => `${r3(c.rho.trainLoss.rho)} (${c.networks})`).join(", ")}; ` +
  `ρ(count, train error): ${cut.map((c) => r3(c.rho.trainError.rho)).join(", ")}; ρ(count, test error): ${cut.map((c) => r3(c.rho.testError.rho)).join(", ")}.`);
const within = withinConfigCorrelations(records);
const wide = withinConfigCorrelations(records.filter((r) => Math.min(r.n1, r.n2) >= DEFAULT_MIN_WIDTH));
const pooledLine = (key, w = within) => {
  const p = w.pooled[key];
  return `${r3(p.meanRho)} (pooled ${r3(p.pooled)}, 95 % interval ${r3(p.lo)} to ${r3(p.hi)})`;
};
claims.push(`- Within one configuration, ρ averages: train CE ${pooledLine("trainLoss")}, train error ${pooledLine("trainError")}, ` +
  `test CE ${pooledLine("testLoss")}, test error ${pooledLine("testError")}; configurations whose own interval for train CE excludes 0: ` +
  `${within.configs.filter((c) => c.rho.trainLoss.hi < 0 || c.rho.trainLoss.lo > 0).map((c) => c.n1).join(", ") || "none"}; ` +
  `over the ${wide.configs.length} configurations with no layer under ${DEFAULT_MIN_WIDTH} units: train CE ${pooledLine("trainLoss", wide)}, ` +
  `train error ${pooledLine("trainError", wide)}, test CE ${pooledLine("testLoss", wide)}, test error ${pooledLine("testError", wide)}.`);

function replaceBlock(text, block, content) {
  const open = `<!-- ${name}:${block} -->`, close = `<!-- /${name}:${block} -->`;
  const a = text.indexOf(open), b = text.indexOf(close);
  if (a < 0 && b < 0) return text;
  if (a < 0 || b < a) fail(`${doc}: marker ${open} … ${close} broken`);
  return text.slice(0, a + open.length) + "\n" + content + "\n" + text.slice(b);
}
let text = readFileSync(doc, "utf8");
for (const [block, content] of [["status", status], ["table", body], ["correlations", correlationsText], ["claims", claims.join("\n")]]) text = replaceBlock(text, block, content);
writeFileSync(doc, text);
for (const fig of ["regions-vs-bounds", "error-vs-regions", "test-error-vs-regions"]) {
  for (const ext of ["svg", "png"]) {
    const src = join(dir, `${fig}.${ext}`);
    if (existsSync(src)) copyFileSync(src, `docs/img/study-${name}-${fig}.${ext}`);
  }
}
console.log(`${dir}: ${finished[1]} of ${finished[2]} networks${complete ? " (complete)" : ""}, ${partials.length} in progress; outputs rewritten, ${doc} blocks ${name}:* refreshed`);
