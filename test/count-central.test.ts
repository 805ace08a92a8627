import assert from "node:assert/strict";
import { describe, it, before } from "node:test";
import { CentralWorkspace, centralMargin, centralPoint } from "../src/count/central.ts";
import { countRegions } from "../src/count/count.ts";
import type { ExactMarginSolver } from "../src/count/engine.ts";
import { RegionEnumerator } from "../src/count/engine.ts";
import { PartitionVerifier } from "../src/count/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { patternToString } from "../src/model/evaluate.ts";
import { uniformBox } from "../src/model/network.ts";
import { gaussian, mulberry32 } from "../src/util/random.ts";
import { expectedOf, fixtureBytes } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";

let exact: ExactMarginSolver;
before(async () => {
  exact = highsMarginSolver(await loadHighs());
});

function unitRows(rand: () => number, count: number, n0: number): Float64Array {
  const out = new Float64Array(count * n0);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = 0; j < n0; j++) s += (out[i * n0 + j] = gaussian(rand)) ** 2;
    for (let j = 0; j < n0; j++) out[i * n0 + j] /= Math.sqrt(s);
  }
  return out;
}

const dot = (a: Float64Array, off: number, x: Float64Array) => x.reduce((s, v, j) => s + a[off + j] * v, 0);

describe("the central certificate", () => {
  it("every one of the 2^k points it builds is in the box, on its side of each hyperplane and inside the cell, by the margin it promises", () => {
    const rand = mulberry32(31);
    let certified = 0;
    for (let trial = 0; trial < 60; trial++) {
      const n0 = [3, 6, 20, 100][trial % 4], k = 2 + (trial % Math.min(3, n0 - 1)), m = 1 + Math.floor(rand() * 10);
      const lo = new Float64Array(n0), hi = new Float64Array(n0).fill(1);
      // Some coordinates on the box's bounds (as at an LP vertex), the others inside.
      const p = Float64Array.from({ length: n0 }, () => (rand() < 0.3 ? (rand() < 0.5 ? 0 : 1) : 0.1 + 0.8 * rand()));
      const normals = unitRows(rand, k, n0), rows = unitRows(rand, m, n0);
      const residual = Float64Array.from({ length: k }, () => 1e-13 * gaussian(rand));
      const margins = Float64Array.from({ length: m }, () => 0.01 + 0.3 * rand());
      const rhs = margins.map((g, i) => dot(rows, i * n0, p) - g);
      const offsets = residual.map((r, j) => dot(normals, j * n0, p) - r);
      const ws = new CentralWorkspace(n0, 4);
      const margin = centralMargin(ws, p, lo, hi, normals, residual, k, rows, margins, m);
      if (!(margin > 0)) continue;
      certified++;
      const x = new Float64Array(n0);
      for (let signs = 0; signs < 2 ** k; signs++) {
        centralPoint(ws, p, lo, hi, k, signs, x);
        for (let j = 0; j < n0; j++) assert.ok(x[j] >= lo[j] && x[j] <= hi[j]);
        for (let a = 0; a < k; a++) {
          const side = (signs >> a) & 1 ? 1 : -1;
          assert.ok(side * (dot(normals, a * n0, x) - offsets[a]) >= margin - 1e-12, `hyperplane ${a}, signs ${signs}`);
        }
        for (let i = 0; i < m; i++) assert.ok(dot(rows, i * n0, x) - rhs[i] >= margin - 1e-12, `cell row ${i}`);
      }
    }
    assert.ok(certified >= 30, `only ${certified} of 60 certified`);
  });

  it("dependent normals or too few free coordinates give no certificate", () => {
    const n0 = 5, lo = new Float64Array(n0), hi = new Float64Array(n0).fill(1);
    const ws = new CentralWorkspace(n0, 4);
    const rows = new Float64Array(n0).fill(1 / Math.sqrt(n0)), margins = Float64Array.of(0.5);
    const same = new Float64Array(2 * n0);
    same[0] = same[n0] = 1; // twice the same normal
    assert.equal(centralMargin(ws, new Float64Array(n0).fill(0.5), lo, hi, same, new Float64Array(2), 2, rows, margins, 1), -Infinity);
    const onBounds = Float64Array.of(0, 1, 0, 1, 0.5); // one free coordinate for two hyperplanes
    const e = new Float64Array(2 * n0);
    e[4] = 1;
    e[n0 + 3] = 1;
    assert.equal(centralMargin(ws, onBounds, lo, hi, e, new Float64Array(2), 2, rows, margins, 1), -Infinity);
  });
});

describe("counting with the central certificate", () => {
  it("a dense two-layer network in 12-D: the same count with and without it, fewer LPs, and its regions verify", () => {
    const net = randomNet(5, 12, [10, 4], 2, { kind: "relu" }, 0.1);
    const box = uniformBox(12, -1, 1);
    const v = new PartitionVerifier(net, box, { samples: 4000, seed: 2 });
    const withCentral = countRegions(net, { box, exact, central: true, onRegion: (g) => v.add(patternToString(g.pattern), g.point, g.radius) });
    const report = v.finish();
    assert.ok(report.ok, report.problems.join("; "));
    const without = countRegions(net, { box, exact, central: false });
    assert.equal(withCentral.regions, without.regions);
    assert.ok(withCentral.regions > 1000, `${withCentral.regions} regions: too few to exercise the certificate`);
    assert.ok(withCentral.lps < without.lps, `${withCentral.lps} LPs against ${without.lps}`);
    const e = new RegionEnumerator(net, { box, exact, central: true });
    assert.equal(e.countAll(), without.regions);
    assert.ok(e.centralHits > 0 && e.centralHits <= e.centralTries);
  });

  it("a last layer of one unit: groups reach back into the layer before (their bent hyperplanes), counts and points hold", () => {
    for (const [seed, activation] of [[6, { kind: "relu" }], [7, { kind: "leaky-relu", alpha: 0.1 }]] as const) {
      const net = randomNet(seed, 12, [10, 1], 2, activation, 0.1);
      const box = uniformBox(12, -1, 1);
      const v = new PartitionVerifier(net, box, { samples: 4000, seed: 5 });
      const e = new RegionEnumerator(net, { box, exact, central: true });
      const { tasks } = e.splitTasks();
      let regions = 0;
      for (const t of tasks) regions += e.runTask(t, (pattern, point, radius) => v.add(patternToString(pattern), point, radius));
      const report = v.finish();
      assert.ok(report.ok, report.problems.join("; "));
      assert.equal(regions, countRegions(net, { box, exact, central: false }).regions, activation.kind);
      // With one unit in the last layer, every certificate (groups of at least 2) holds units of the layer before.
      assert.ok(e.centralHits > 0, `${activation.kind}: no certificate`);
    }
  });

  it("784-D: a random [0,1]^784 network and mnist-10-12-s1 around a digit count the same with and without it", () => {
    const net = randomNet(3, 784, [8, 3], 2, { kind: "relu" }, 0.3);
    const unit = uniformBox(784, 0, 1);
    const on = new RegionEnumerator(net, { box: unit, exact });
    const off = new RegionEnumerator(net, { box: unit, exact, central: false });
    const regions = on.countAll();
    assert.equal(regions, off.countAll());
    assert.ok(on.centralHits > 0, "no certificate in 784-D");
    const mnist = parseOnnx(fixtureBytes("mnist-10-12-s1"), "mnist");
    const x0 = expectedOf("mnist-10-12-s1").samples[1].x;
    const r = 0.12;
    const box = { lo: Float64Array.from(x0, (v) => Math.max(0, v - r)), hi: Float64Array.from(x0, (v) => Math.min(1, v + r)) };
    assert.equal(countRegions(mnist, { box, exact }).regions, countRegions(mnist, { box, exact, central: false }).regions);
  });

  it("metamorphic: permuting the last layer's units does not change the count", () => {
    const net = randomNet(8, 9, [8, 4], 2, { kind: "relu" }, 0.1);
    const box = uniformBox(9, -1, 1);
    const base = countRegions(net, { box, exact, central: false }).regions;
    const L = net.layers[1], N = net.layers[2], perm = [2, 0, 3, 1];
    const permuted = {
      inputDim: net.inputDim,
      layers: [
        net.layers[0],
        { ...L, weights: Float64Array.from({ length: L.weights.length }, (_, q) => L.weights[perm[Math.floor(q / L.inDim)] * L.inDim + (q % L.inDim)]),
          bias: Float64Array.from(perm, (s) => L.bias[s]) },
        { ...N, weights: Float64Array.from({ length: N.weights.length }, (_, q) => N.weights[Math.floor(q / N.inDim) * N.inDim + perm[q % N.inDim]]) },
      ],
    };
    assert.equal(countRegions(permuted, { box, exact, central: true }).regions, base);
    assert.equal(countRegions(net, { box, exact, central: true }).regions, base);
  });

  it("branching farthest-first in the last layer: the same regions as the natural order, with or without the certificate, and they verify", () => {
    for (const [seed, n0, widths] of [[11, 12, [9, 5]], [12, 784, [8, 4]], [13, 10, [6, 4, 5]]] as const) {
      const net = randomNet(seed, n0, [...widths], 2, { kind: "relu" }, n0 > 100 ? 0.3 : 0.1);
      const box = n0 > 100 ? uniformBox(n0, 0, 1) : uniformBox(n0, -1, 1);
      const v = new PartitionVerifier(net, box, { samples: 3000, seed: 4 });
      const seen = new Set<string>();
      const e = new RegionEnumerator(net, { box, exact, central: true, farthestFirst: true });
      const { tasks } = e.splitTasks();
      let regions = 0;
      for (const t of tasks) {
        regions += e.runTask(t, (pattern, point, radius) => {
          const key = patternToString(pattern);
          assert.ok(!seen.has(key), `pattern ${key} found twice`);
          seen.add(key);
          v.add(key, point, radius);
        });
      }
      const report = v.finish();
      assert.ok(report.ok, `seed ${seed}: ${report.problems.join("; ")}`);
      const natural = countRegions(net, { box, exact, central: false, farthestFirst: false }).regions;
      assert.equal(regions, natural, `seed ${seed}`);
      assert.equal(countRegions(net, { box, exact, central: false, farthestFirst: true }).regions, natural, `seed ${seed}`);
      assert.equal(countRegions(net, { box, exact, central: true, farthestFirst: false }).regions, natural, `seed ${seed}`);
    }
  });

  it("farthest-first also orders a network whose only hidden layer is the last (fewer LPs, same count)", () => {
    const net = randomNet(14, 40, [12], 2, { kind: "relu" }, 0.3);
    const box = uniformBox(40, 0, 1);
    const on = countRegions(net, { box, exact, central: false, farthestFirst: true });
    const off = countRegions(net, { box, exact, central: false, farthestFirst: false });
    assert.equal(on.regions, off.regions);
    assert.ok(on.lps < off.lps, `${on.lps} LPs with it, ${off.lps} without`);
  });

  it("farthest-first: subtasks that reach into the last layer add up to their task, with the same LPs as on a fresh enumerator", () => {
    const net = randomNet(13, 10, [6, 4, 5], 2, { kind: "relu" }, 0.1);
    const box = uniformBox(10, -1, 1);
    const opts = { box, exact, central: true, farthestFirst: true };
    const e = new RegionEnumerator(net, opts);
    const { tasks } = e.splitTasks(8);
    let checked = 0;
    for (const task of tasks.slice(0, 4)) {
      const whole = e.runTask(task);
      const subs = e.subtasks(task, 12); // the last layer starts at unit 10
      let sum = 0;
      for (const sub of subs) {
        const lps0 = e.stats.lps;
        sum += e.runTask(sub);
        const fresh = new RegionEnumerator(net, opts);
        const freshLps0 = fresh.stats.lps;
        fresh.runTask(sub);
        assert.equal(e.stats.lps - lps0, fresh.stats.lps - freshLps0, "LPs of a subtask depend on what ran before");
        checked++;
      }
      assert.equal(sum, whole);
    }
    assert.ok(checked > 4, `${checked} subtasks`);
  });
});

