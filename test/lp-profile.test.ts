import assert from "node:assert/strict";
import { describe, it, before } from "node:test";
import type { ExactMarginSolver } from "../src/count/engine.ts";
import { PLAIN_SEARCH, RegionEnumerator } from "../src/count/engine.ts";
import { executeTask } from "../src/count/task.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { LPStatus, MarginLP } from "../src/lp/margin-lp.ts";
import {
  P, PIVOT_BINS, PROFILE_PHASES, profileDelta, profileReport, profileSnapshot, setProfileTiming,
} from "../src/lp/profile.ts";
import { lpBounds } from "../src/tighten/lp.ts";
import { mulberry32 } from "../src/util/random.ts";
import { runCli } from "./helpers/cli.ts";
import { expectedOf, fixtureBytes } from "./helpers/fixtures.ts";

let exact: ExactMarginSolver;
let highs: Awaited<ReturnType<typeof loadHighs>>;
before(async () => {
  highs = await loadHighs();
  exact = highsMarginSolver(highs);
});

/** A box around an MNIST sample (the line-search test's set-up: 155 regions of mnist-10-12-s1). */
function mnistCell(r: number) {
  const net = parseOnnx(fixtureBytes("mnist-10-12-s1"), "mnist");
  const x0 = expectedOf("mnist-10-12-s1").samples[1].x;
  const box = { lo: Float64Array.from(x0, (v) => Math.max(0, v - r)), hi: Float64Array.from(x0, (v) => Math.min(1, v + r)) };
  return { net, box };
}

function countWith(opts: { belowCertificates?: boolean; plain?: boolean }, r = 0.2) {
  const { net, box } = mnistCell(r);
  const bounds = lpBounds(net, box, highs);
  const e = new RegionEnumerator(net, { box, bounds, exact, ...(opts.plain ? PLAIN_SEARCH : {}), belowCertificates: opts.belowCertificates });
  const before = profileSnapshot();
  const { tasks } = e.splitTasks(8);
  let regions = 0;
  for (const t of tasks) regions += e.runTask(t);
  return { regions, lps: e.stats.lps, tasks, profile: profileDelta(before) };
}

describe("LP profile (src/lp/profile.ts)", () => {
  it("counts every solve once: the pivots-per-LP histogram and the statuses add up to the solves, the pivots to the iterations", () => {
    const rand = mulberry32(7);
    const n0 = 30;
    const lp = new MarginLP(new Float64Array(n0), new Float64Array(n0).fill(1), 12, Math.sqrt(n0));
    const before = profileSnapshot();
    const it0 = lp.iterations;
    let solves = 0;
    for (let i = 0; i < 10; i++) {
      const a = Float64Array.from({ length: n0 }, () => rand() - 0.5);
      const norm = Math.hypot(...a);
      lp.addRow(a.map((v) => v / norm), (rand() - 0.5) * 0.5);
      lp.save(i);
      const status = lp.solve(1e-9);
      solves++;
      if (status !== LPStatus.Optimal) lp.restore(i); // keep the rows but drop an early-stopped basis's state
    }
    const d = profileDelta(before);
    assert.equal(d[P.Solves], solves);
    assert.equal(d[P.Pivots], lp.iterations - it0);
    let hist = 0;
    for (let b = 0; b < PIVOT_BINS.length; b++) hist += d[P.Hist + b];
    assert.equal(hist, solves);
    assert.equal(d[P.Optimal] + d[P.Below] + d[P.Infeasible] + d[P.Failed], solves);
    assert.ok(d[P.Pivots] > 0, "the LPs needed no pivot: the test exercises nothing");
  });

  it("takes phase times only while timing is on, and the report's times cover the phases and the bookkeeping", () => {
    setProfileTiming(false);
    const off = countWith({}, 0.08).profile;
    for (let k = 0; k < PROFILE_PHASES.length; k++) assert.equal(off[P.Time + k], 0, PROFILE_PHASES[k]);
    assert.equal(profileReport(off, false).ms, undefined);
    const { net, box } = mnistCell(0.08);
    const e = new RegionEnumerator(net, { box, bounds: lpBounds(net, box, highs), exact });
    const r = executeTask(e, e.splitTasks(1).tasks[0], { profile: true });
    setProfileTiming(false);
    assert.ok(r.profile, "no profile with collect.profile");
    const report = profileReport(r.profile, true);
    assert.ok(report.ms && report.ms.task > 0 && report.ms.pivotRow > 0, JSON.stringify(report.ms));
    assert.equal(report.solves, r.lps);
  });
});

describe("dual-bound certificates of empty children (src/lp/below-certificates.ts)", () => {
  it("give the same count and task split as LPs everywhere, with fewer LPs, and some children are proved by them", () => {
    const on = countWith({});
    const off = countWith({ belowCertificates: false });
    const plain = countWith({ plain: true });
    assert.equal(on.regions, off.regions);
    assert.equal(on.regions, plain.regions);
    assert.ok(on.regions > 200, `${on.regions} regions: too few to exercise the certificates`);
    assert.deepEqual(on.tasks, off.tasks);
    assert.ok(on.profile[P.CertificateHits] > 0, "no child proved empty by a kept certificate");
    assert.equal(off.profile[P.CertificateHits], 0);
    assert.equal(on.lps, off.lps - on.profile[P.CertificateHits]);
  });
});

describe("tessera count --profile", () => {
  it("adds the LP profile to --json: pivots per LP, its histogram over the LPs, and the time per phase", async () => {
    const r = await runCli(["count", "examples/random-2-32-32-s5.onnx", "--method", "engine", "--json", "--no-progress", "--profile"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { regions: number; profile: ReturnType<typeof profileReport> };
    assert.equal(out.regions, 1557);
    const p = out.profile;
    assert.equal(p.histogram.reduce((s, [, n]) => s + n, 0), p.solves);
    assert.ok(p.solves > 0 && p.pivotsPerLp > 0);
    assert.ok(p.ms && p.ms.task > 0);
    for (const name of PROFILE_PHASES) assert.equal(typeof p.ms[name], "number", name);
  });

  it("prints the profile in the text report, and refuses a method other than the engine with one line and exit 2", async () => {
    const text = await runCli(["count", "examples/random-2-32-32-s5.onnx", "--method", "engine", "--no-progress", "--profile"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^LP profile +[\d,]+ dual-simplex LPs, [\d,]+ pivots: [\d.]+ per LP/m);
    assert.match(text.stdout, /^pivots\/LP +0: /m);
    assert.match(text.stdout, /^time +[\d.]+ s in tasks/m);
    const bad = await runCli(["count", "examples/random-2-32-32-s5.onnx", "--method", "milp", "--profile"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /--profile/);
  });
});



