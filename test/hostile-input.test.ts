/**
 * The hostile-input matrix: every command (`count` with each method, `bounds`, `local`, `local-study`, `boundary`,
 * `draw`, `eval`, `explore`'s file loading, `train`'s data) against extreme and broken models, boxes, centres, flags
 * and data. Each call either answers correctly — a count checked by a second method (the engine against the skeleton
 * and the MILP on HiGHS), or a local / boundary / bounds result equal to that of the same regions at ordinary scale —
 * or refuses with one line naming the file or flag and the problem, exit 2: never a stack trace, never a wrong
 * count, never a hang (all calls run in one child process under a time limit; the first call without an answer is
 * named). Calls go through the real `main` (test/helpers/cli-batch.ts), one tsx start-up for the whole matrix.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "./helpers/fixtures.ts";
import { makeHostileFiles } from "./helpers/hostile-cases.ts";

/** The whole matrix takes about 20 s on a loaded 2-core machine; a call that hangs is stopped here. */
const MATRIX_TIME_LIMIT_MS = 300_000;

/** The base network's regions in [−1, 1]² (engine = skeleton = MILP, checked below), and those of its variants. */
const BASE_REGIONS = 24;
/** The base network with its second hidden layer dead (biases −100): only the first layer's 6 lines cut the box. */
const DEAD_REGIONS = 16;
/** 1 input, 1 unit: x + 0.25 = 0 cuts [−1, 1] once. */
const ONE_UNIT_REGIONS = 2;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

type Expect =
  | { refuse: RegExp }
  | { regions: number }
  | { json: (j: Record<string, unknown>) => void }
  | { ok: true };

interface Case {
  name: string;
  args: string[];
  expect: Expect;
}

let dir: string;
const cases: Case[] = [];
const results = new Map<string, Result>();

const f = (name: string) => join(dir, name);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A refusal naming `file` (its path as given) and matching `problem`. */
const aboutFile = (file: string, problem: RegExp) => ({ refuse: new RegExp(`${esc(f(file))}: .*${problem.source}`) });
const refuse = (problem: RegExp) => ({ refuse: problem });

function add(name: string, args: string[], expect: Expect): void {
  cases.push({ name, args, expect });
}

/** Models with the base network's regions in extreme units, or with duplicate / coincident / dead units. */
const SAME_REGIONS = ["huge.json", "tiny.json", "subnormal.json", "duplicate.json", "coincident.json"];

/** Broken models and what every command says about them (the loader is the one validation point). */
const BROKEN: [string, RegExp][] = [
  ["inf-literal.json", /not a valid Tessera JSON model: layers\[0\]\.weights/],
  ["nan-literal.json", /not valid JSON/],
  ["null-weight.json", /not a valid Tessera JSON model: layers\[0\]\.weights/],
  ["nan.onnx", /initializer "0\.weight" holds NaN at index 1; weights must be finite/],
  ["inf.onnx", /initializer "1\.bias" holds Infinity at index 0/],
  ["float32-overflow.onnx", /initializer "0\.weight" holds -?Infinity/],
  ["zero-units.json", /layers\[0\]: flat weights need "shape"/],
  ["zero-units-shaped.json", /layer 0: output width must be a positive integer, got 0/],
  ["zero-units.onnx", /layer 0: output width must be a positive integer, got 0/],
  ["zero-inputs.json", /inputDim: Too small/],
  ["truncated.onnx", /not a valid ONNX file, corrupt or truncated/],
  ["truncated.json", /not valid JSON/],
  ["corrupt.onnx", /not a valid ONNX file, corrupt or truncated/],
  ["unsupported.onnx", /unsupported operator Sin in node "\/0\/Sin"/],
  ["cycle.onnx", /the output "y" does not depend on the input "x"/],
  ["self-loop.onnx", /the output "y" does not depend on the input "x"/],
  ["empty.onnx", /the file is empty/],
];

function buildMatrix(): void {
  const json = ["--json", "--no-progress"];
  const center = ["--center", f("center.json"), "--radius", "0.3"];
  // Counts by every method: engine, skeleton and the MILP agree on every model, at every scale.
  for (const [m, n] of [["base.json", BASE_REGIONS], ...SAME_REGIONS.map((m) => [m, BASE_REGIONS]), ["dead.json", DEAD_REGIONS], ["one-unit.json", ONE_UNIT_REGIONS]] as [string, number][]) {
    for (const method of ["engine", "skeleton", "milp"]) add(`count ${m} --method ${method}`, ["count", f(m), "--method", method, ...json], { regions: n });
  }
  add("count one-unit.json --method intervals", ["count", f("one-unit.json"), "--method", "intervals", ...json], { regions: ONE_UNIT_REGIONS });
  add("count base.json --method mipbound", ["count", f("base.json"), "--method", "mipbound", ...json], {
    json: (j) => assert.ok(Number(j.lowerBound) >= 1 && Number(j.lowerBound) <= BASE_REGIONS, `lower bound ${j.lowerBound}`),
  });
  const overflow = /the output layer's weights overflow once the hidden units are brought to unit scale/;
  for (const method of ["engine", "skeleton", "milp"]) add(`count overflow.json --method ${method}`, ["count", f("overflow.json"), "--method", method, ...json], aboutFile("overflow.json", overflow));
  add("count double-1e300.onnx --box", ["count", f("double-1e300.onnx"), "--box=-1,1", ...json], { regions: BASE_REGIONS });

  // Every command against every broken model.
  for (const [m, problem] of BROKEN) {
    const e = aboutFile(m, problem);
    add(`count ${m}`, ["count", f(m), ...json], e);
    add(`bounds ${m}`, ["bounds", f(m), "--json"], e);
    add(`eval ${m}`, ["eval", f(m), "--x", "0.1,0.2"], e);
    add(`local ${m}`, ["local", f(m), ...center, ...json], e);
    add(`boundary ${m}`, ["boundary", f(m), ...json], e);
    add(`draw ${m}`, ["draw", f(m), "--out", f("draw.svg"), "--no-progress"], e);
    add(`explore ${m}`, ["explore", f(m), "--no-open", "--port", "0"], e);
    add(`local-study ${m}`, ["local-study", f(m), "--data", "mnist", "--points", "1", "--out", f("ls"), "--no-progress"], e);
  }

  // Extreme but valid models through the other commands: the base network's answers (compared below), or a refusal.
  for (const m of ["base.json", ...SAME_REGIONS, "double-1e300.onnx", "dead.json"]) {
    const box = m.endsWith(".onnx") ? ["--box=-1,1"] : [];
    add(`bounds ${m}`, ["bounds", f(m), ...box, "--json"], { ok: true });
    add(`local ${m}`, ["local", f(m), ...box, ...center, ...json], { ok: true });
    add(`boundary ${m}`, ["boundary", f(m), ...box, ...json], { ok: true });
    add(`eval ${m}`, ["eval", f(m), "--x", "0.1,-0.2", "--json"], { ok: true });
  }
  add("bounds overflow.json", ["bounds", f("overflow.json"), "--json"], aboutFile("overflow.json", overflow));
  add("local overflow.json", ["local", f("overflow.json"), ...center, ...json], aboutFile("overflow.json", overflow));
  add("boundary overflow.json", ["boundary", f("overflow.json"), ...json], aboutFile("overflow.json", overflow));
  add("eval overflow.json", ["eval", f("overflow.json"), "--x", "0.1,-0.2", "--json"], aboutFile("overflow.json", /pre-activation of layer 1, unit 0 is Infinity: the network's values leave the double range/));

  // Boxes: one check for every command, wherever the box comes from.
  const boxes: [string, RegExp][] = [
    ["0.5,0.5", /--box "0\.5,0\.5": lo must be smaller than hi/],
    ["1,-1", /--box "1,-1": lo must be smaller than hi/],
    ["-Infinity,Infinity", /give two finite numbers/],
    ["NaN,1", /give two finite numbers/],
    ["-1e308,1e308", /--box: coordinate 1 of the box, \[-1e\+308, 1e\+308\], is wider than the double range/],
    ["0,1e-320", /--box: coordinate 1 of the box, \[0, 1e-320\], is narrower than floating point resolves there/],
  ];
  for (const [box, problem] of boxes) {
    add(`count --box ${box}`, ["count", f("base.json"), `--box=${box}`, ...json], refuse(problem));
    add(`bounds --box ${box}`, ["bounds", f("base.json"), `--box=${box}`, "--json"], refuse(problem));
    add(`local --box ${box}`, ["local", f("base.json"), `--box=${box}`, ...center, ...json], refuse(problem));
    add(`boundary --box ${box}`, ["boundary", f("base.json"), `--box=${box}`, ...json], refuse(problem));
  }
  // A model's own domain passes the same check, and the message names the model.
  for (const cmd of ["count", "bounds", "boundary"]) {
    add(`${cmd} flat-domain.json`, [cmd, f("flat-domain.json"), "--json"], aboutFile("flat-domain.json", /coordinate 2 of the box, \[0\.5, 0\.5\], needs lo < hi/));
    add(`${cmd} huge-domain.json`, [cmd, f("huge-domain.json"), "--json"], aboutFile("huge-domain.json", /coordinate 1 of the box, .*, is wider than the double range/));
  }
  const tooFine = /--threshold 1e-8 is finer than a count can judge in this box/;
  add("count --box -1e300,1e300", ["count", f("base.json"), "--box=-1e300,1e300", ...json], refuse(tooFine));
  add("boundary --box -1e300,1e300", ["boundary", f("base.json"), "--box=-1e300,1e300", ...json], refuse(tooFine));
  add("draw --box -1e300,1e300", ["draw", f("base.json"), "--box=-1e300,1e300", "--out", f("d.svg"), "--no-progress"], refuse(tooFine));
  add("draw --range -1e300,1e300,-1,1", ["draw", f("base.json"), "--range=-1e300,1e300,-1,1", "--out", f("d.svg"), "--no-progress"], refuse(/the input box \[-1, 1\]\^2 is too small to resolve inside a rectangle this large/));
  // The whole arrangement (every region of the plane) with a threshold the box can judge: the same count both ways.
  add("count --box -1e6,1e6 --threshold 1e-4", ["count", f("base.json"), "--box=-1e6,1e6", "--threshold", "1e-4", ...json], { regions: 40 });
  add("boundary --box -1e6,1e6 --threshold 1e-4", ["boundary", f("base.json"), "--box=-1e6,1e6", "--threshold", "1e-4", ...json], { regions: 40 });
  for (const [bf, problem] of [
    ["box-reversed.json", /coordinate 0 needs finite lo < hi, got \[1, -1\]/],
    ["box-flat.json", /coordinate 0 needs finite lo < hi, got \[0\.5, 0\.5\]/],
    ["box-short.json", /"lo" has 1 entries, the model takes 2 inputs/],
    ["box-inf.json", /a box file is JSON/],
  ] as [string, RegExp][]) {
    add(`count --box-file ${bf}`, ["count", f("base.json"), "--box-file", f(bf), ...json], aboutFile(bf, problem));
    add(`local --box-file ${bf}`, ["local", f("base.json"), "--box-file", f(bf), ...center, ...json], aboutFile(bf, problem));
  }

  // Flags asking for huge, negative or meaningless amounts.
  for (const w of ["0", "-1", "1.5", "abc", "1e9", "Infinity"]) add(`count --workers ${w}`, ["count", f("base.json"), "--workers", w, ...json], refuse(/--workers ".*": give an integer from 1 to 256/));
  for (const t of ["0", "-1", "NaN", "1e308", "Infinity"]) add(`count --threshold ${t}`, ["count", f("base.json"), "--threshold", t, ...json], refuse(/--threshold ".*": give a number in \(0, 1\)/));
  for (const r of ["-1", "0", "NaN", "Infinity", "abc"]) {
    for (const norm of ["2", "inf"]) add(`local --norm ${norm} --radius ${r}`, ["local", f("base.json"), "--center", f("center.json"), `--radius=${r}`, "--norm", norm, ...json], refuse(/--radius ".*": give a positive finite number/));
  }
  for (const norm of ["2", "inf"]) {
    add(`local --norm ${norm} --radius 1e-300`, ["local", f("base.json"), "--center", f("center.json"), "--radius=1e-300", "--norm", norm, ...json], refuse(/--radius 1e-300 is below what floating point resolves around this centre/));
    // A ball holding the whole domain meets every region of it.
    add(`local --norm ${norm} --radius 1e308`, ["local", f("base.json"), "--center", f("center.json"), "--radius=1e308", "--norm", norm, ...json], {
      json: (j) => assert.equal(j.regions, BASE_REGIONS),
    });
  }
  add("local --center (3 coordinates)", ["local", f("base.json"), "--center", f("center-3.json"), "--radius", "0.3", ...json], aboutFile("center-3.json", /3 coordinates given/));
  add("local --center (1e999)", ["local", f("base.json"), "--center", f("center-inf.json"), "--radius", "0.3", ...json], aboutFile("center-inf.json", /entry 0 is null, not a finite number/));
  add("local --center (NaN)", ["local", f("base.json"), "--center", f("center-nan.json"), "--radius", "0.3", ...json], aboutFile("center-nan.json", /not valid JSON/));
  add("local --center (1e300)", ["local", f("base.json"), "--center", f("center-huge.json"), "--radius", "0.3", ...json], refuse(/--radius 0\.3 is below what floating point resolves around this centre/));
  add("local --center ([])", ["local", f("base.json"), "--center", f("center-empty.json"), "--radius", "0.3", ...json], aboutFile("center-empty.json", /0 coordinates given/));
  add("local --center (missing)", ["local", f("base.json"), "--center", f("nope.json"), "--radius", "0.3", ...json], aboutFile("nope.json", /no such file/));
  add("local --max-regions 0", ["local", f("base.json"), ...center, "--max-regions", "0", ...json], refuse(/--max-regions "0": give a positive integer/));
  add("local --norm 3", ["local", f("base.json"), ...center, "--norm", "3", ...json], refuse(/unknown norm "3"/));
  for (const radii of ["-1", "0", "NaN", "", "0.1,,0.2"]) {
    add(`local-study --radii "${radii}"`, ["local-study", f("base.json"), "--data", "mnist", `--radii=${radii}`, "--points", "1", "--out", f("ls"), "--no-progress"], refuse(/--radii ".*": give positive numbers/));
  }
  for (const points of ["0", "-1", "1e9", "abc"]) {
    add(`local-study --points ${points}`, ["local-study", f("base.json"), "--data", "mnist", "--points", points, "--out", f("ls"), "--no-progress"], refuse(/--points ".*": give an integer from 1 to 8000/));
  }
  add("local-study of a 2-input model on MNIST", ["local-study", f("base.json"), "--data", "mnist", "--points", "1", "--out", f("ls"), "--no-progress"], aboutFile("base.json", /takes 2 inputs, MNIST digits have 784/));
  for (const [x, problem] of [["0.1", /1 coordinates given/], ["NaN,0", /entry 0 is "NaN", not a finite number/], ["1e999,0", /entry 0 is "1e999", not a finite number/], ["", /no numbers given/]] as [string, RegExp][]) {
    add(`eval --x "${x}"`, ["eval", f("base.json"), `--x=${x}`, "--json"], refuse(problem));
  }
  for (const size of ["0x0", "100000x100000", "-5x10", "900x"]) add(`draw --size ${size}`, ["draw", f("base.json"), "--out", f("d.svg"), "--size", size, "--no-progress"], refuse(/--size ".*": give WIDTHxHEIGHT in pixels/));
  for (const [range, problem] of [["1,-1,-1,1", /needs umin < umax/], ["0,0,0,1", /needs umin < umax/], ["NaN,1,-1,1", /give four finite numbers/], ["-Infinity,1,-1,1", /give four finite numbers/]] as [string, RegExp][]) {
    add(`boundary --range ${range}`, ["boundary", f("base.json"), `--range=${range}`, ...json], refuse(problem));
    add(`draw --range ${range}`, ["draw", f("base.json"), `--range=${range}`, "--out", f("d.svg"), "--no-progress"], refuse(problem));
  }
  add("boundary --through two equal points", ["boundary", f("base.json"), "--through", `${f("vec-a.json")},${f("vec-same.json")},${f("vec-c.json")}`, ...json], refuse(/do not span a plane/));
  for (const arch of ["2,0", "0,5", "2,-3", "2,1e9", "2,5.5", "2,abc", ""]) add(`bounds --arch "${arch}"`, ["bounds", `--arch=${arch}`, "--json"], refuse(/--arch ".*"/));
  for (const k of ["0", "1", "1e9", "-2"]) add(`bounds --maxout ${k}`, ["bounds", "--arch", "2,5", "--maxout", k, "--json"], refuse(/--maxout ".*": the rank must be an integer from 2 to 1000/));
  for (const [flag, v] of [["--trials", "0"], ["--trials", "-1"], ["--alpha", "-1"], ["--alpha", "NaN"], ["--seed", "abc"], ["--seed", "1e400"]]) {
    add(`count --method mipbound ${flag} ${v}`, ["count", f("base.json"), "--method", "mipbound", `${flag}=${v}`, ...json], refuse(new RegExp(`${flag} "${esc(v)}": give`)));
  }

  // Training data and flags.
  for (const [csv, problem] of [["empty.csv", /no data lines/], ["header.csv", /no data lines/], ["nan.csv", /line 2: y "NaN" is not a finite number/], ["one-class.csv", /only one class/], ["big.csv", /line 1: x "1e300" is beyond the float32 range training uses/], ["nope.csv", /no such file/]] as [string, RegExp][]) {
    add(`train --data csv:${csv}`, ["train", "--data", `csv:${f(csv)}`, "--arch", "2,4,2", "--epochs", "1", "--out", f("t.json"), "--no-progress"], aboutFile(csv, problem));
  }
  for (const [flag, v] of [["--epochs", "-1"], ["--epochs", "1e9"], ["--batch", "0"], ["--lr", "NaN"], ["--lr", "-1"], ["--arch", "2,0,2"], ["--arch", "3,4,2"], ["--samples", "0"], ["--noise", "-1"]]) {
    add(`train ${flag} ${v}`, ["train", "--data", "xor", "--arch", "2,4,2", "--epochs", "1", `${flag}=${v}`, "--out", f("t.json"), "--no-progress"], refuse(new RegExp(`${flag} "${esc(v)}"`)));
  }
}

/** Run the matrix in one child process; the first call without a result line is the one that did not finish. */
function runMatrix(): Promise<void> {
  const casesPath = f("cases.json"), resultsPath = f("results.jsonl");
  writeFileSync(casesPath, JSON.stringify(cases.map((c) => c.args)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "test/helpers/cli-batch.ts"), casesPath, resultsPath], { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), MATRIX_TIME_LIMIT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const lines = existsSync(resultsPath) ? readFileSync(resultsPath, "utf8").split("\n").filter(Boolean) : [];
      for (const line of lines) {
        const r = JSON.parse(line) as Result & { i: number };
        results.set(cases[r.i].name, r);
      }
      if (lines.length < cases.length) {
        reject(new Error(`the matrix stopped at "${cases[lines.length].name}" (${signal ? `killed after ${MATRIX_TIME_LIMIT_MS / 1000} s: a hang` : `exit ${code}`}): ${stderr.slice(0, 2000)}`));
      } else resolve();
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tessera-hostile-"));
  makeHostileFiles(dir);
  buildMatrix();
  await runMatrix();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function resultOf(name: string): Result {
  const r = results.get(name);
  assert.ok(r, `no result for "${name}"`);
  return r;
}

function parsed(name: string): Record<string, unknown> {
  const r = resultOf(name);
  assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The one rule: a correct answer, or one line naming the problem with exit 2. Never a stack trace. */
function check(c: Case): void {
  const r = resultOf(c.name);
  assert.doesNotMatch(r.stderr, /internal error|uncaught|\n\s+at /, `${c.name}: ${r.stderr}`);
  if ("refuse" in c.expect) {
    assert.equal(r.code, 2, `${c.name}: exit ${r.code}, stdout ${r.stdout.slice(0, 200)}, stderr ${r.stderr}`);
    assert.equal(r.stdout, "", c.name);
    assert.equal(r.stderr.trim().split("\n").length, 1, `${c.name}: ${r.stderr}`);
    assert.match(r.stderr, /^tessera: /, c.name);
    assert.match(r.stderr, c.expect.refuse, c.name);
    return;
  }
  assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
  if ("regions" in c.expect) assert.equal((JSON.parse(r.stdout) as { regions: number }).regions, c.expect.regions, c.name);
  else if ("json" in c.expect) c.expect.json(JSON.parse(r.stdout) as Record<string, unknown>);
}

describe("hostile input: every command answers correctly or refuses in one line (exit 2)", () => {
  it("the matrix covers every command and at least 300 calls", (t) => {
    t.diagnostic(`${cases.length} calls in ${Math.round([...results.values()].reduce((s, r) => s + r.ms, 0) / 1000)} s`);
    const commands = new Set(cases.map((c) => c.args[0]));
    for (const cmd of ["count", "bounds", "local", "local-study", "boundary", "draw", "eval", "explore", "train"]) assert.ok(commands.has(cmd), cmd);
    assert.ok(cases.length >= 300, `${cases.length} calls`);
  });

  for (const group of ["count", "bounds", "local", "local-study", "boundary", "draw", "eval", "explore", "train"]) {
    it(`${group}: each call gives its expected answer or refusal`, () => {
      const mine = cases.filter((c) => c.args[0] === group);
      const failures: string[] = [];
      for (const c of mine) {
        try {
          check(c);
        } catch (err) {
          failures.push(`${c.name}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  }

  it("extreme weights and duplicate units: bounds, local analysis, boundary and eval agree with the base network", () => {
    const base = { bounds: parsed("bounds base.json"), local: parsed("local base.json"), boundary: parsed("boundary base.json"), eval: parsed("eval base.json") };
    for (const m of [...SAME_REGIONS, "double-1e300.onnx"]) {
      const b = parsed(`bounds ${m}`), l = parsed(`local ${m}`), y = parsed(`boundary ${m}`), e = parsed(`eval ${m}`);
      const dup = m === "duplicate.json" || m === "coincident.json";
      if (!dup) assert.deepEqual(b.stableUnits, base.bounds.stableUnits, `${m}: stable units`);
      assert.equal(l.regions, base.local.regions, `${m}: local regions`);
      assert.equal(l.upperBound !== undefined, true);
      const rb = (j: Record<string, unknown>) => (j.regionBoundary as { distance: number }).distance;
      const cb = (j: Record<string, unknown>) => (j.classBoundary as { distance: number }).distance;
      assert.ok(Math.abs(rb(l) - rb(base.local)) <= 1e-9 * rb(base.local), `${m}: region boundary ${rb(l)} vs ${rb(base.local)}`);
      assert.ok(Math.abs(cb(l) - cb(base.local)) <= 1e-6 * cb(base.local), `${m}: class boundary ${cb(l)} vs ${cb(base.local)}`);
      assert.equal(y.regions, BASE_REGIONS, `${m}: boundary regions`);
      assert.equal(y.boundaryPieces, base.boundary.boundaryPieces, `${m}: boundary pieces (1e-300 outputs once gave none)`);
      if (!dup) assert.equal(e.pattern, base.eval.pattern, `${m}: pattern`);
    }
    assert.equal(parsed("boundary dead.json").regions, DEAD_REGIONS);
  });
});
