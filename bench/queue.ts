/**
 * Benchmark of distributed counting (docs/scale-out.md). On one MNIST fixture:
 *   1. in-process: `tessera count MODEL --workers 2` (wall time of the whole process);
 *   2. through the queue: a local redis-server, `tessera worker` processes already waiting, then
 *      `tessera count MODEL --queue … --job …` (wall time of the coordinator), with
 *      (a) 1 worker process × 2 threads, default unit time limit (30 s): the queue's own overhead;
 *      (b) 2 worker processes × 1 thread, unit time limit 2 s: overhead plus time splits, and a fine unit tree;
 *   3. the distribution of unit times (every unit's seconds, from the job's ledger);
 *   4. a simulation replaying run (b)'s unit tree on 8 … 256 workers (greedy list scheduling, time-split rule at
 *      several limits, the per-unit queue overhead measured in (b)), plotted as expected speed-up.
 *
 * Run: node --import tsx bench/queue.ts [--model PATH] [--raw FILE] [--from FILE]
 *   --raw FILE   where to write the measurements (JSON; default: a file in the OS temp directory)
 *   --from FILE  skip the runs: simulate and plot from measurements written before
 * Writes docs/img/scale-out-speedup.{svg,png} and docs/img/scale-out-unit-times.{svg,png}; the markdown tables go
 * to stdout. Machine load (1-minute load average) is recorded before and after each run.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { jobKeys } from "../src/distributed/job-keys.ts";
import { recordedUnits, serialSeconds, simulateSchedule } from "../src/distributed/simulate.ts";
import { parseOutcome, type UnitOutcome } from "../src/distributed/ledger.ts";
import { writePicture } from "../src/io/png.ts";
import { lineChart } from "../src/render/chart.ts";
import { mean, median, minMax, quantile } from "../src/util/stats.ts";
import { spawnCli, startRedis, waitFor, type TestRedis } from "../test/distributed-helpers.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(REPO, "bin/tessera.mjs");
const IMG = join(REPO, "docs/img");
/** Unit time limit of run (b): fine enough for a tree that simulations down to this limit can replay. */
const FINE_LIMIT = 2;
/** Worker counts of the simulation, and the unit time limits it tries (seconds; Infinity: no splits). */
const SIM_WORKERS = [8, 16, 32, 64, 128, 256];
const SIM_LIMITS = [Infinity, 30, 10, FINE_LIMIT];

interface QueueRun {
  label: string;
  processes: number;
  threads: number;
  unitSeconds: number;
  wall: number;
  /** The coordinator's JSON output. */
  result: Record<string, unknown>;
  seeds: string[];
  /** Unit id → outcome string, as the ledger holds it. */
  outcomes: Record<string, string>;
  load: [number, number];
}

interface Measurements {
  model: string;
  cores: number;
  date: string;
  local: { wall: number; result: Record<string, unknown>; load: [number, number] };
  queue: QueueRun[];
}

const load1 = () => Number(loadavg()[0].toFixed(2));

function timed(args: string[]): { wall: number; out: Record<string, unknown> } {
  const t = performance.now();
  const stdout = execFileSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "inherit"] });
  return { wall: (performance.now() - t) / 1000, out: JSON.parse(stdout) as Record<string, unknown> };
}

async function queueRun(redis: TestRedis, model: string, label: string, processes: number, threads: number, unitSeconds: number): Promise<QueueRun> {
  const workers = Array.from({ length: processes }, () => spawnCli(["worker", "--queue", redis.url(), "--concurrency", String(threads)]));
  const r = redis.client();
  await waitFor("the workers", () => workers.every((w) => / on redis:/.test(w.stderr())), 60);
  const before = load1();
  const job = `bench-${label}`;
  const { wall, out } = timed(["count", model, "--queue", redis.url(), "--job", job, "--unit-seconds", String(unitSeconds), "--json", "--no-progress"]);
  const after = load1();
  for (const w of workers) w.proc.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));
  const seeds = (await r.hget(jobKeys(job).meta, "seeds"))!.split(",");
  const outcomes = await r.hgetall(jobKeys(job).outcome);
  process.stderr.write(`queue ${label}: ${wall.toFixed(1)} s, ${out.regions} regions\n`);
  return { label, processes, threads, unitSeconds, wall, result: out, seeds, outcomes, load: [before, after] };
}

async function measure(model: string): Promise<Measurements> {
  const before = load1();
  process.stderr.write("in-process count, 2 worker threads…\n");
  const local = timed(["count", model, "--workers", "2", "--json", "--no-progress"]);
  const localLoad: [number, number] = [before, load1()];
  process.stderr.write(`in-process: ${local.wall.toFixed(1)} s, ${local.out.regions} regions\n`);
  const redis = await startRedis();
  try {
    const a = await queueRun(redis, model, "1x2", 1, 2, 30);
    const b = await queueRun(redis, model, "2x1", 2, 1, FINE_LIMIT);
    return { model, cores: cpus().length, date: new Date().toISOString(), local: { wall: local.wall, result: local.out, load: localLoad }, queue: [a, b] };
  } finally {
    await redis.stop();
  }
}

function outcomesOf(run: QueueRun): Map<string, UnitOutcome> {
  const map = new Map<string, UnitOutcome>();
  for (const [id, text] of Object.entries(run.outcomes)) {
    const o = parseOutcome(text);
    if (!o) throw new Error(`unit ${id}: not an outcome: ${text}`);
    map.set(id, o);
  }
  return map;
}

const fmt = (x: number, d = 2) => x.toFixed(d);

function report(m: Measurements): { text: string; table: number[][] } {
  const lines: string[] = [];
  const [a, b] = m.queue;
  lines.push(`Model ${m.model.split("/").pop()}, ${m.cores} cores, ${m.date.slice(0, 16).replace("T", " ")} UTC.`, "");
  lines.push("| run | processes × threads | unit limit | wall s | ratio to in-process | regions | units | splits | 1-min load before → after |");
  lines.push("|---|---|---|---|---|---|---|---|---|");
  lines.push(`| in-process \`--workers 2\` | 1 × 2 | – | ${fmt(m.local.wall, 1)} | 1.00 | ${m.local.result.regions} | ${m.local.result.tasks} tasks | – | ${m.local.load[0]} → ${m.local.load[1]} |`);
  for (const r of [a, b]) {
    const q = r.result.queue as { units: number; splits: number };
    lines.push(`| queue | ${r.processes} × ${r.threads} | ${r.unitSeconds} s | ${fmt(r.wall, 1)} | ${fmt(r.wall / m.local.wall)} | ${r.result.regions} | ${q.units} | ${q.splits} | ${r.load[0]} → ${r.load[1]} |`);
  }
  lines.push("");
  lines.push("Unit times (seconds of one thread, from the ledger):", "");
  lines.push("| run | units counted | total s | mean | median | p90 | p99 | max | abandoned by splits s |");
  lines.push("|---|---|---|---|---|---|---|---|---|");
  for (const r of [a, b]) {
    const o = [...outcomesOf(r).values()];
    const t = o.filter((x) => x.kind === "counted").map((x) => x.seconds);
    const abandoned = o.filter((x) => x.kind === "split").reduce((s, x) => s + x.seconds, 0);
    const sum = t.reduce((s, x) => s + x, 0);
    lines.push(`| ${r.processes} × ${r.threads}, limit ${r.unitSeconds} s | ${t.length} | ${fmt(sum, 1)} | ${fmt(mean(t), 3)} | ${fmt(median(t), 3)} | ${fmt(quantile(t, 0.9), 3)} | ${fmt(quantile(t, 0.99), 3)} | ${fmt(minMax(t).max, 3)} | ${fmt(abandoned, 1)} |`);
  }
  const roots = recordedUnits(b.seeds, outcomesOf(b), b.unitSeconds);
  const serial = serialSeconds(roots);
  // The queue's cost per unit: run (a)'s extra wall time over the in-process count (same threads, same tasks, no
  // splits), spread over its units.
  const qa = a.result.queue as { units: number };
  const overhead = Math.max(0, ((a.wall - m.local.wall) * a.processes * a.threads) / qa.units);
  lines.push("", `Simulation: run (b)'s unit tree (${fmt(serial, 1)} s of work on one thread), ${fmt(overhead * 1000, 1)} ms of queue overhead per unit (run (a)'s extra wall time over the in-process count × its threads ÷ its units); speed-up = serial time / makespan.`, "");
  lines.push(`| workers | ${SIM_LIMITS.map((l) => (l === Infinity ? "no splits" : `limit ${l} s`)).join(" | ")} |`);
  lines.push(`|---|${SIM_LIMITS.map(() => "---").join("|")}|`);
  const table = SIM_WORKERS.map((p) => SIM_LIMITS.map((l) => serial / simulateSchedule(roots, p, l, overhead).makespan));
  SIM_WORKERS.forEach((p, i) => lines.push(`| ${p} | ${table[i].map((s) => fmt(s, 1)).join(" | ")} |`));
  const longest = Math.max(...roots.map((u) => u.seconds));
  lines.push("", `The longest seed unit takes ${fmt(longest, 1)} s: without splits no number of workers finishes before it.`);
  return { text: lines.join("\n"), table };
}

function plots(m: Measurements, table: number[][]): void {
  const speedup = lineChart({
    title: `Expected speed-up of ${m.model.split("/").pop()!.replace(/\.onnx$/, "")} through the queue (simulated)`,
    xLabel: "workers (threads)",
    yLabel: "speed-up over one thread",
    xScale: "log",
    yScale: "log",
    x: SIM_WORKERS,
    series: [
      { name: "ideal", values: SIM_WORKERS, dashed: true },
      ...SIM_LIMITS.map((l, k) => ({ name: l === Infinity ? "no time splits" : `split after ${l} s`, values: table.map((row) => row[k]), markers: true })),
    ],
  });
  writePicture(join(IMG, "scale-out-speedup.svg"), speedup);
  writePicture(join(IMG, "scale-out-speedup.png"), speedup);
  const sortedDesc = (r: QueueRun) => [...outcomesOf(r).values()].filter((o) => o.kind === "counted").map((o) => o.seconds).sort((x, y) => y - x);
  const [a, b] = m.queue.map(sortedDesc);
  const ranks = Array.from({ length: Math.max(a.length, b.length) }, (_, i) => i + 1);
  const units = lineChart({
    title: "Unit times, longest first",
    xLabel: "unit rank",
    yLabel: "seconds",
    xScale: "log",
    yScale: "log",
    x: ranks,
    series: [
      { name: `limit ${m.queue[0].unitSeconds} s (${a.length} units)`, values: ranks.map((r) => a[r - 1] ?? NaN) },
      { name: `limit ${m.queue[1].unitSeconds} s (${b.length} units)`, values: ranks.map((r) => b[r - 1] ?? NaN) },
    ],
  });
  writePicture(join(IMG, "scale-out-unit-times.svg"), units);
  writePicture(join(IMG, "scale-out-unit-times.png"), units);
}

const { values } = parseArgs({
  options: {
    model: { type: "string", default: resolve(REPO, "../shared/fixtures/mnist-10-12-s1.onnx") },
    raw: { type: "string", default: join(tmpdir(), "tessera-queue-bench.json") },
    from: { type: "string" },
  },
});
const measurements: Measurements = values.from
  ? (JSON.parse(readFileSync(values.from, "utf8")) as Measurements)
  : await measure(values.model!);
if (!values.from) {
  writeFileSync(values.raw!, JSON.stringify(measurements));
  process.stderr.write(`measurements: ${values.raw}\n`);
}
const { text, table } = report(measurements);
process.stdout.write(text + "\n");
plots(measurements, table);
