/**
 * Benchmark of the exact region counter (`tessera count`) on every fixture in ../shared/fixtures.
 *
 * Each run is a fresh child process, `node bin/tessera.mjs count F.onnx --json --no-progress --workers W`; the table
 * reports the median over runs of the counting time the CLI measures itself (`seconds`, no Node start-up) and,
 * separately, the median whole-process wall time. The reference column is the `oracle` record of NAME.expected.json
 * (an independent SciPy/HiGHS implementation). Then the MILP comparison (`count --method milp`) and the timing
 * lines of bench/bounds.ts.
 *
 * Run: npm run bench -- [--quick] [--only NAME] [--runs R] [--workers W] [--out docs/benchmarks.md]
 * Progress goes to stderr; the markdown goes to stdout (and to --out). Exit code 1 if any count is wrong or a run fails.
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { LpProfileReport } from "../src/lp/profile.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = resolve(REPO, "../shared/fixtures");
const CLI = join(REPO, "bin/tessera.mjs");

/** Default runs per fixture; a fixture whose first count takes at least SLOW_SECONDS is run once. */
const DEFAULT_RUNS = 5;
const SLOW_SECONDS = 10;
/** Default worker threads: the MNIST-size fixtures use both cores of the reference machine, the small ones one. */
const DEFAULT_WORKERS_LARGE = 2;
const DEFAULT_WORKERS_SMALL = 1;
/** Inputs from which a fixture counts as "MNIST-size" (skipped by --quick, run once, 2 workers by default). */
const LARGE_INPUT_DIM = 100;
/** A MILP run is stopped after this long (issue 5 compares on "fixtures where MILP finishes within a few minutes"). */
const MILP_TIMEOUT_SECONDS = 300;

interface Expected {
  input_dim: number;
  widths: number[];
  regions?: number;
  oracle?: { method: string; lps: number; seconds: number };
}

interface Fixture {
  name: string;
  onnx: string;
  expected: Expected | undefined;
  large: boolean;
}

/** The keys of `tessera count --json` this benchmark reads. */
interface CountJson {
  regions: number;
  complete: boolean;
  stableUnits: number;
  lps: number;
  seconds: number;
  workers: number;
  tasks: number;
  witnessHits: number;
  /** With `--profile` (the large fixtures): the LP profile (src/lp/profile.ts). */
  profile?: LpProfileReport;
}

interface Row {
  fixture: Fixture;
  workers: number;
  runs: { json: CountJson; wall: number }[];
  error?: string;
}

function usage(): never {
  process.stderr.write(
    "usage: npm run bench -- [--quick] [--only NAME[,NAME...]] [--runs R] [--workers W] [--out FILE] [--no-milp] [--no-bounds] [--no-partition] [--no-lowdim]\n",
  );
  process.exit(2);
}

function parseFlags() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string", multiple: true },
        runs: { type: "string" },
        workers: { type: "string" },
        out: { type: "string" },
        "no-milp": { type: "boolean", default: false },
        "no-bounds": { type: "boolean", default: false },
        "no-partition": { type: "boolean", default: false },
        "no-lowdim": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: false,
    });
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    usage();
  }
  const v = parsed.values;
  if (v.help) usage();
  const positive = (s: string | undefined, flag: string): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`bench: ${flag} "${s}": give a positive integer\n`);
      usage();
    }
    return n;
  };
  return {
    quick: v.quick,
    only: (v.only ?? []).flatMap((s) => s.split(",")).map((s) => s.trim().replace(/\.onnx$/, "")).filter(Boolean),
    runs: positive(v.runs, "--runs"),
    workers: positive(v.workers, "--workers"),
    out: v.out,
    milp: !v["no-milp"],
    bounds: !v["no-bounds"],
    partition: !v["no-partition"],
    lowdim: !v["no-lowdim"],
  };
}

function loadFixtures(): Fixture[] {
  if (!existsSync(FIXTURES)) throw new Error(`no fixtures directory at ${FIXTURES}`);
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".onnx"))
    .sort()
    .map((f) => {
      const name = basename(f, ".onnx");
      const expPath = join(FIXTURES, `${name}.expected.json`);
      const expected = existsSync(expPath) ? (JSON.parse(readFileSync(expPath, "utf8")) as Expected) : undefined;
      const large = name.startsWith("mnist") || (expected?.input_dim ?? 0) >= LARGE_INPUT_DIM;
      return { name, onnx: join(FIXTURES, f), expected, large };
    });
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** One child process; resolves with its stdout, or rejects with a one-line reason. */
function runChild(args: string[], timeoutSeconds?: number): Promise<{ stdout: string; wall: number }> {
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let timedOut = false;
    const timer =
      timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, timeoutSeconds * 1000);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`stopped after ${timeoutSeconds} s`));
      const wall = (performance.now() - t0) / 1000;
      if (code === 0) resolveRun({ stdout, wall });
      else {
        const why = stderr.trim().split("\n").pop() ?? "";
        reject(new Error(`exit ${code ?? signal}${why ? `: ${why}` : ""}`));
      }
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `tessera count` on one fixture `planned` times (once if the first run is slow and --runs was not given). */
async function timeCount(
  fx: Fixture,
  extra: string[],
  workers: number,
  planned: number,
  runsFlag: number | undefined,
  label: string,
  timeoutSeconds?: number,
): Promise<Row> {
  const row: Row = { fixture: fx, workers, runs: [] };
  // The fast-engine and MILP tables name their method (the default, auto, counts 1- to 4-input fixtures with the skeleton).
  const args = [CLI, "count", fx.onnx, ...(extra.includes("--method") ? extra : ["--method", "engine", ...extra]), "--json", "--no-progress", "--workers", String(workers)];
  for (let i = 0; i < planned; i++) {
    log(`${fx.name} ${label}: run ${i + 1}/${planned}, --workers ${workers}${fx.large ? " (MNIST-size: minutes)" : ""} …`);
    try {
      const { stdout, wall } = await runChild(args, timeoutSeconds);
      const json = JSON.parse(stdout.trim().split("\n").pop()!) as CountJson;
      row.runs.push({ json, wall });
      log(`${fx.name} ${label}: run ${i + 1}: ${json.regions} regions, ${json.seconds.toFixed(3)} s counting, ${wall.toFixed(2)} s wall`);
      if (runsFlag === undefined && i === 0 && json.seconds >= SLOW_SECONDS && planned > 1) {
        log(`${fx.name} ${label}: first count took ≥ ${SLOW_SECONDS} s; one run only (give --runs to insist)`);
        break;
      }
    } catch (e) {
      row.error = (e as Error).message;
      log(`${fx.name} ${label}: run ${i + 1} failed: ${row.error}`);
      break;
    }
  }
  return row;
}

/** The large fixtures run with `--profile` (phase timing costs about 1 % there, see docs/benchmarks.md) for the LP profile table. */
function benchFixture(fx: Fixture, runsFlag: number | undefined, workersFlag: number | undefined): Promise<Row> {
  const workers = workersFlag ?? (fx.large ? DEFAULT_WORKERS_LARGE : DEFAULT_WORKERS_SMALL);
  return timeCount(fx, fx.large ? ["--profile"] : [], workers, runsFlag ?? (fx.large ? 1 : DEFAULT_RUNS), runsFlag, "engine");
}

/** Issue #33's estimate of the cost of a region at one small warm LP each (1–3 dual-simplex pivots of ~10 µs and the rest). */
const ESTIMATE_US_PER_REGION = 150;
/** The same estimate's cost of one pivot (~17k multiply-adds on 22 rows and 785 columns). */
const ESTIMATE_US_PER_PIVOT = 10;

/**
 * The LP profile of the profiled rows (issue #33): pivots per LP by kind, the kept certificates, µs per region (the
 * tasks' time summed over workers, per region) next to the ≈150 µs estimate, and where the time goes.
 */
function profileTable(rows: Row[]): string {
  const profiled = rows.filter((r) => r.runs.length && r.runs[r.runs.length - 1]!.json.profile);
  if (!profiled.length) return "";
  const head =
    "| fixture | workers | regions | dual-simplex LPs | pivots/LP | optimal / empty child / flat (pivots/LP) | pivots leaving t unchanged | flips per pivot | certificates | CPU µs per region (estimate 150) | CPU µs per pivot (estimate 10) | pivot row | ratio test | primal update | basis update | other LP | outside LPs |";
  const sep = "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|";
  const pct = (v: number, total: number) => `${((100 * v) / Math.max(total, 1e-9)).toFixed(0)} %`;
  const lines = profiled.map((row) => {
    const { json } = row.runs[row.runs.length - 1]!;
    const p = json.profile!;
    const ms = p.ms ?? {};
    const task = ms.task ?? 0;
    const otherLp = (ms.pricing ?? 0) + (ms.dualUpdate ?? 0) + (ms.rowAdd ?? 0);
    const outside = (ms.witness ?? 0) + (ms.bookkeeping ?? 0);
    // CPU time (every thread of the count process) per region: the machine's load does not inflate it as wall time.
    const cpu = p.cpuSeconds ?? task / 1000;
    const us = (1e6 * cpu) / Math.max(json.regions, 1);
    // Per pivot: all of the tasks' CPU time over the pivots, so an upper bound on a pivot's own cost.
    const usPivot = (1e6 * cpu) / Math.max(p.pivots, 1);
    return `| ${[
      row.fixture.name, String(row.workers), fmtInt(json.regions), fmtInt(p.solves), p.pivotsPerLp.toFixed(1),
      `${p.pivotsPerOptimalLp.toFixed(1)} / ${p.pivotsPerBelowLp.toFixed(1)} / ${p.pivotsPerFlatLp.toFixed(1)} (${fmtInt(p.flatLps)} flat LPs)`,
      `${(100 * p.stalledShare).toFixed(0)} %`, p.flipsPerPivot.toFixed(1), fmtInt(p.certificateHits), `${fmtInt(us)} (${(us / ESTIMATE_US_PER_REGION).toFixed(1)}×)`,
      `${usPivot.toFixed(1)} (${(usPivot / ESTIMATE_US_PER_PIVOT).toFixed(1)}×)`,
      pct(ms.pivotRow ?? 0, task), pct(ms.ratioTest ?? 0, task), pct(ms.primalUpdate ?? 0, task), pct(ms.basisUpdate ?? 0, task),
      pct(otherLp, task), pct(outside, task),
    ].join(" | ")} |`;
  });
  return [
    "## LP profile (`tessera count --profile`, the large fixtures' runs above)",
    "",
    "Pivots per LP of the engine's dual simplex by how the LP ended (a region's optimum, a child proved empty by the dual bound, a point on a flat of the last layer), the share of pivots after t had reached its optimum, children proved empty by a kept certificate without an LP, the CPU time of the tasks per region and per pivot (all of the tasks' time over the pivots), and the shares of the phases in the tasks' time (src/lp/profile.ts).",
    "",
    head,
    sep,
    ...lines,
  ].join("\n");
}

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtSec = (s: number) => (s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s >= 1 ? s.toFixed(2) : s.toFixed(3));
const fmtRatio = (r: number) => (r >= 100 ? `${fmtInt(r)}×` : `${r.toFixed(1)}×`);

/** True when every run gave the expected count (or there is nothing to compare with) and all counts were complete. */
function rowOk(row: Row): boolean {
  if (row.error || row.runs.length === 0) return false;
  const exp = row.fixture.expected?.regions;
  return row.runs.every((r) => r.json.complete && (exp === undefined || r.json.regions === exp));
}

function engineTable(rows: Row[]): string {
  const head =
    "| fixture | workers | runs | regions | expected | ok | stable units | LPs | seconds (median) | regions/s | wall s (median) | reference s | speed-up |";
  const sep = "|---|--:|--:|--:|--:|:-:|--:|--:|--:|--:|--:|--:|--:|";
  const lines = rows.map((row) => {
    const fx = row.fixture;
    const exp = fx.expected?.regions;
    const oracle = fx.expected?.oracle;
    if (row.runs.length === 0) {
      return `| ${fx.name} | ${row.workers} | 0 | — | ${exp === undefined ? "—" : fmtInt(exp)} | ✗ | — | — | — | — | — | ${oracle ? fmtSec(oracle.seconds) : "—"} | — (${row.error ?? "no run"}) |`;
    }
    const last = row.runs[row.runs.length - 1]!.json;
    const regionsSeen = [...new Set(row.runs.map((r) => r.json.regions))];
    const sec = median(row.runs.map((r) => r.json.seconds));
    const wall = median(row.runs.map((r) => r.wall));
    const cells = [
      fx.name,
      String(row.workers),
      String(row.runs.length) + (row.error ? ` (then failed: ${row.error})` : ""),
      regionsSeen.map(fmtInt).join(" / "),
      exp === undefined ? "—" : fmtInt(exp),
      rowOk(row) ? "✓" : "✗",
      String(last.stableUnits),
      fmtInt(median(row.runs.map((r) => r.json.lps))),
      fmtSec(sec),
      fmtInt(last.regions / Math.max(sec, 1e-9)),
      fmtSec(wall),
      oracle ? fmtSec(oracle.seconds) : "—",
      oracle ? fmtRatio(oracle.seconds / Math.max(sec, 1e-9)) : "—",
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return [head, sep, ...lines].join("\n");
}

/**
 * The MILP comparison (issue 5's headline ratio): `tessera count F.onnx --method milp --json` (Serra, Tjandraatmadja
 * and Ramalingam 2018, one HiGHS MILP per binary assignment) in child processes, same runs rule as the engine, on the
 * small fixtures only (on the MNIST ones it would take hours). A run longer than MILP_TIMEOUT_SECONDS is stopped.
 */
async function milpSection(rows: Row[], runsFlag: number | undefined): Promise<string> {
  const lines = [
    "| fixture | runs | regions (MILP) | regions (engine) | agree | MILP LPs | MILP s (median) | engine s (median) | MILP / engine |",
    "|---|--:|--:|--:|:-:|--:|--:|--:|--:|",
  ];
  for (const row of rows) {
    if (row.fixture.large || row.runs.length === 0) continue;
    const m = await timeCount(row.fixture, ["--method", "milp"], 1, runsFlag ?? DEFAULT_RUNS, runsFlag, "MILP", MILP_TIMEOUT_SECONDS);
    const engineSec = median(row.runs.map((r) => r.json.seconds));
    const engineRegions = row.runs[0]!.json.regions;
    if (m.runs.length === 0) {
      lines.push(`| ${row.fixture.name} | 0 | — | ${fmtInt(engineRegions)} | ✗ | — | — | ${fmtSec(engineSec)} | — (${m.error ?? "no run"}) |`);
      if (!m.error?.startsWith("stopped")) process.exitCode = 1;
      continue;
    }
    const regions = [...new Set(m.runs.map((r) => r.json.regions))];
    const agree = regions.length === 1 && regions[0] === engineRegions && m.runs.every((r) => r.json.complete);
    if (!agree) process.exitCode = 1;
    const sec = median(m.runs.map((r) => r.json.seconds));
    lines.push(
      `| ${row.fixture.name} | ${m.runs.length} | ${regions.map(fmtInt).join(" / ")} | ${fmtInt(engineRegions)} | ${agree ? "✓" : "✗"} | ${fmtInt(median(m.runs.map((r) => r.json.lps)))} | ${fmtSec(sec)} | ${fmtSec(engineSec)} | ${fmtRatio(sec / Math.max(engineSec, 1e-9))} |`,
    );
  }
  return [
    "## MILP (Serra et al. 2018) vs the fast engine",
    "",
    "`tessera count F.onnx --method milp --json --no-progress` in child processes; seconds are the CLI's own counting",
    `time; MNIST-size fixtures skipped; a run is stopped after ${MILP_TIMEOUT_SECONDS} s.` +
      (existsSync(join(REPO, "bench/milp.ts")) ? " bench/milp.ts is separate: `node --import tsx bench/milp.ts`." : ""),
    "",
    ...lines,
  ].join("\n");
}

/** Run another bench script in a child process and put its stdout under `title` (indented unless it is a table). */
async function childSection(title: string, script: string, asTable = false): Promise<string> {
  log(`${script} …`);
  try {
    const { stdout } = await runChild(["--import", "tsx", join(REPO, script)]);
    const body = asTable ? stdout.trim() : stdout.trim().split("\n").map((l) => `    ${l}`).join("\n");
    return `${title}\n\n${body}`;
  } catch (e) {
    process.exitCode = 1;
    return `${title}\n\nfailed: ${(e as Error).message}`;
  }
}

function machineHeader(argv: string[]): string {
  let nproc: string;
  try {
    nproc = execFileSync("nproc", { encoding: "utf8" }).trim();
  } catch {
    nproc = String(cpus().length);
  }
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) cpu = m[1]!.trim();
  } catch {
    /* not Linux: keep os.cpus()'s model */
  }
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
  } catch {
    /* not a git checkout */
  }
  const load = loadavg().map((l) => l.toFixed(2)).join(", ");
  return [
    "# Benchmarks",
    "",
    `- Machine: ${nproc} CPUs (\`nproc\`), ${cpu}; Node ${process.version}; load average at start ${load}`,
    `- Date: ${new Date().toISOString()}; commit ${commit}`,
    `- Command: \`npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}\``,
    "- Each run is a separate `node bin/tessera.mjs count F.onnx --json --no-progress --workers W`; *seconds* is the",
    "  counting time the CLI measures itself (median over runs), *wall* the whole process including Node start-up.",
    "  *Reference* is the `oracle` record of the fixture's expected.json (independent SciPy/HiGHS implementation);",
    "  *speed-up* = reference seconds / median seconds.",
  ].join("\n");
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const argv = process.argv.slice(2);
  let fixtures = loadFixtures();
  if (flags.only.length) {
    const unknown = flags.only.filter((n) => !fixtures.some((f) => f.name === n));
    if (unknown.length) {
      process.stderr.write(`bench: no fixture ${unknown.join(", ")} in ${FIXTURES}\n`);
      process.exit(2);
    }
    fixtures = fixtures.filter((f) => flags.only.includes(f.name));
  }
  if (flags.quick) fixtures = fixtures.filter((f) => !f.large);
  const header = machineHeader(argv);
  const rows: Row[] = [];
  for (const fx of fixtures) rows.push(await benchFixture(fx, flags.runs, flags.workers));
  if (!rows.every(rowOk)) process.exitCode = 1;
  const sections = [header, `## Exact count (fast engine)\n\n${engineTable(rows)}`];
  const profile = profileTable(rows);
  if (profile) sections.push(profile);
  if (flags.milp) sections.push(await milpSection(rows, flags.runs));
  if (flags.bounds) sections.push(await childSection("## Bounds (bench/bounds.ts)", "bench/bounds.ts"));
  if (flags.partition) sections.push(await childSection("## Exact 2-D partitions (bench/partition.ts)", "bench/partition.ts", true));
  if (flags.lowdim) sections.push(await childSection("## Low-dimensional counting: skeleton, planar partition, LP engine, peer (bench/lowdim.ts)", "bench/lowdim.ts", true));
  const md = sections.join("\n\n") + "\n";
  process.stdout.write(md);
  if (flags.out) {
    const out = resolve(process.cwd(), flags.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, md);
    log(`wrote ${out}`);
  }
}

await main();
