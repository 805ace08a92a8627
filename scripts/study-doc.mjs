// Refresh the full MNIST study's section of docs/study.md from results/serra2018/ (the study's own table.md, runs.json
// and checkpoints) and copy its two figures to docs/img/study-full-*. Run after `tessera study serra2018` has written
// its outputs: node scripts/study-doc.mjs [RESULTS_DIR=results/serra2018]
// Only the text between the markers <!-- full-study:status --> … <!-- /full-study:status --> and
// <!-- full-study:table --> … <!-- /full-study:table --> is replaced.
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
const status = [
  complete
    ? `**Complete: all ${finished[2]} networks**, ${wall} of wall-clock time over ${runs.length} run(s)`
    : `**Status: ${finished[1]} of ${finished[2]} networks finished**, ${wall} of wall-clock time over ${runs.length} run(s)`,
  `with \`--workers 2\` on this 2-core machine (the machine also ran other work).` +
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

let text = readFileSync(doc, "utf8");
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
