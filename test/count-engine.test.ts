import assert from "node:assert/strict";
import { describe, it, before } from "node:test";
import { countRegions, type EngineCountOptions } from "../src/count/count.ts";
import type { ExactMarginSolver } from "../src/count/engine.ts";
import { PLAIN_SEARCH, RegionEnumerator } from "../src/count/engine.ts";
import { splitDigest } from "../src/count/task.ts";
import { PartitionVerifier } from "../src/count/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { evaluate, patternToString } from "../src/model/evaluate.ts";
import { uniformBox, type Box, type Network } from "../src/model/network.ts";
import { gaussian, mulberry32 } from "../src/util/random.ts";
import { lpBounds } from "../src/tighten/lp.ts";
import { stableUnitsFromBounds } from "../src/tighten/interval.ts";
import { serra2018Upper } from "../src/bounds/rectifier-upper.ts";
import { serra2018StableUpper } from "../src/bounds/stable-units.ts";
import { expectedOf, fixtureBytes, fixtureNames } from "./helpers/fixtures.ts";
import { addUnit, changeInputs, dense, permuteUnits, randomNet, scaleUnit } from "./helpers/nets.ts";

let exact: ExactMarginSolver;
before(async () => {
  exact = highsMarginSolver(await loadHighs());
});

function count(net: Network, box: Box, extra: Partial<EngineCountOptions> = {}): number {
  return countRegions(net, { box, exact, ...extra }).regions;
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Distinct activation patterns among `samples` uniform points of the box (a lower bound on the count). */
function sampledPatterns(net: Network, box: Box, samples: number, seed: number): Set<string> {
  const rand = mulberry32(seed), x = new Float64Array(net.inputDim), seen = new Set<string>();
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < x.length; j++) x[j] = box.lo[j] + (box.hi[j] - box.lo[j]) * rand();
    seen.add(patternToString(evaluate(net, x).pattern));
  }
  return seen;
}

/** The two large low-dimensional fixtures are counted these ways in test/long/count-engine-large.test.ts. */
const LARGE_FIXTURES = ["random-2-64-64-64-s7", "random-3-24-24-24-s8"];
const smallFixtures = fixtureNames().filter((n) => !n.startsWith("mnist") && !LARGE_FIXTURES.includes(n));

describe("exact counts on the shared fixtures (independent SciPy/HiGHS implementation)", () => {
  for (const name of smallFixtures) {
    it(`${name}: the count equals the fixture's regions, with interval and LP bounds`, async () => {
      const e = expectedOf(name);
      assert.ok(e.regions !== undefined);
      const net = parseOnnx(fixtureBytes(name), name);
      const box = uniformBox(net.inputDim, e.box[0], e.box[1]);
      assert.equal(count(net, box), e.regions);
      assert.equal(count(net, box, { bounds: lpBounds(net, box, await loadHighs()) }), e.regions);
    });
  }

  it("the count is stable when the interior threshold moves by a factor of 10 either way", () => {
    for (const name of smallFixtures) {
      const e = expectedOf(name);
      const net = parseOnnx(fixtureBytes(name), name);
      const box = uniformBox(net.inputDim, e.box[0], e.box[1]);
      for (const threshold of [1e-7, 1e-9]) assert.equal(count(net, box, { threshold }), e.regions, `${name} at ${threshold}`);
    }
  });

  it("in 1-D and 2-D the exact cells skip LPs of empty children without changing any count", () => {
    for (const name of smallFixtures.filter((n) => expectedOf(n).input_dim <= 2)) {
      const e = expectedOf(name);
      const net = parseOnnx(fixtureBytes(name), name);
      const box = uniformBox(net.inputDim, e.box[0], e.box[1]);
      const withCells = countRegions(net, { box, exact });
      const lpOnly = countRegions(net, { box, exact, exactCells: false });
      assert.equal(withCells.regions, e.regions);
      assert.equal(lpOnly.regions, e.regions);
      assert.ok(withCells.stats.cellRefutations > 0 && withCells.lps < lpOnly.lps, name);
    }
  });

  it("the number of tasks the search is split into does not change the count", () => {
    const e = expectedOf("random-2-32-32-s5");
    const net = parseOnnx(fixtureBytes("random-2-32-32-s5"), "f");
    const box = uniformBox(2, e.box[0], e.box[1]);
    for (const taskTarget of [1, 7, 64, 1000]) assert.equal(count(net, box, { taskTarget }), e.regions);
  });

  it("the task split is the same list with and without the accelerations (canonical order), so shards agree", async () => {
    // The search visits cells in the order of its witnesses, which the accelerations change (6 of the 327 positions
    // of random-3-6-6-6-s4 and 8 of the 256 of mnist-10-12-s1 before the split was put in canonical order).
    const highs = await loadHighs();
    for (const name of ["random-3-6-6-6-s4", "mnist-10-12-s1"]) {
      const e = expectedOf(name);
      const net = parseOnnx(fixtureBytes(name), name);
      const box = uniformBox(net.inputDim, e.box[0], e.box[1]);
      const bounds = lpBounds(net, box, highs);
      const [fast, plain] = [{}, PLAIN_SEARCH].map((o) => new RegionEnumerator(net, { box, bounds, exact, ...o }).splitTasks().tasks);
      assert.deepEqual(plain.map(patternToString), fast.map(patternToString), name);
      assert.equal(splitDigest(plain), splitDigest(fast));
      const strings = fast.map(patternToString);
      assert.deepEqual(strings, [...strings].sort(), `${name}: lexicographic`);
    }
  });

  it("every region's point has its pattern, patterns are distinct, and random points are covered (verifier)", () => {
    const e = expectedOf("random-3-6-6-6-s4");
    const net = parseOnnx(fixtureBytes("random-3-6-6-6-s4"), "f");
    const box = uniformBox(3, e.box[0], e.box[1]);
    const v = new PartitionVerifier(net, box, { samples: 5000, seed: 3 });
    const r = countRegions(net, { box, exact, onRegion: (g) => v.add(patternToString(g.pattern), g.point, g.radius) });
    const report = v.finish();
    assert.equal(report.regions, r.regions);
    assert.ok(report.ok, report.problems.join("; "));
  });
});

describe("closed forms", () => {
  it("one hidden layer in the plane with every crossing inside the box gives 1 + n + C(n, 2) regions", () => {
    for (const n of [1, 2, 5, 9, 14]) {
      const rand = mulberry32(100 + n);
      const W: number[] = [], b: number[] = [];
      for (let i = 0; i < n; i++) {
        const angle = Math.PI * rand();
        W.push(Math.cos(angle), Math.sin(angle));
        b.push(gaussian(rand) * 0.5);
      }
      // A box holding every pairwise crossing, with room to spare.
      let R = 1;
      for (let i = 0; i < n; i++) {
        for (let k = i + 1; k < n; k++) {
          const det = W[2 * i] * W[2 * k + 1] - W[2 * i + 1] * W[2 * k];
          const x = (-b[i] * W[2 * k + 1] + b[k] * W[2 * i + 1]) / det, y = (-W[2 * i] * b[k] + W[2 * k] * b[i]) / det;
          R = Math.max(R, Math.abs(x) + 1, Math.abs(y) + 1);
        }
      }
      const net: Network = {
        inputDim: 2,
        layers: [dense(2, n, W, b, { kind: "relu" }), dense(n, 1, new Array(n).fill(1), [0], { kind: "identity" })],
      };
      assert.equal(count(net, uniformBox(2, -R, R)), 1 + n + binom(n, 2), `n = ${n}`);
    }
  });

  it("a 1-D input with one hidden layer gives (breakpoints inside the interval) + 1 regions", () => {
    const rand = mulberry32(7);
    for (const n of [1, 3, 8, 20]) {
      const W = Array.from({ length: n }, () => (rand() < 0.5 ? -1 : 1) * (0.5 + rand()));
      const b = Array.from({ length: n }, () => 3 * (rand() - 0.5));
      const inside = W.filter((w, i) => Math.abs(-b[i] / w) < 1).length;
      const net: Network = { inputDim: 1, layers: [dense(1, n, W, b, { kind: "relu" }), dense(n, 1, new Array(n).fill(1), [0], { kind: "identity" })] };
      assert.equal(count(net, uniformBox(1, -1, 1)), inside + 1, `n = ${n}`);
    }
  });

  it("a 1-D maxout layer has (breakpoints of the units' upper envelopes) + 1 regions", () => {
    const rand = mulberry32(11);
    const units = 3, k = 3;
    const W = Array.from({ length: units * k }, () => gaussian(rand)), b = Array.from({ length: units * k }, () => gaussian(rand) * 0.5);
    // Exact oracle: the argmax of each unit changes where its upper envelope bends; collect those points in (−1, 1).
    const breaks = new Set<number>();
    for (let u = 0; u < units; u++) {
      const piece = (x: number) => {
        let best = 0;
        for (let j = 1; j < k; j++) if (W[u * k + j] * x + b[u * k + j] > W[u * k + best] * x + b[u * k + best]) best = j;
        return best;
      };
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          const x = (b[u * k + j] - b[u * k + i]) / (W[u * k + i] - W[u * k + j]);
          if (Math.abs(x) < 1 && piece(x - 1e-9) !== piece(x + 1e-9)) breaks.add(Number(x.toFixed(12)));
        }
      }
    }
    const net: Network = {
      inputDim: 1,
      layers: [dense(1, units * k, W, b, { kind: "maxout", rank: k }), dense(units, 1, [1, 1, 1], [0], { kind: "identity" })],
    };
    assert.equal(count(net, uniformBox(1, -1, 1)), breaks.size + 1);
  });
});

describe("metamorphic: transformations that keep the function's regions keep the count", () => {
  const base = randomNet(21, 2, [10, 8]);
  const box = uniformBox(2, -1, 1);
  let reference = 0;
  before(() => {
    reference = count(base, box);
    assert.ok(reference > 30);
  });

  it("permuting a layer's units", () => {
    assert.equal(count(permuteUnits(base, 0, [3, 1, 4, 0, 9, 2, 6, 5, 8, 7]), box), reference);
    assert.equal(count(permuteUnits(base, 1, [7, 6, 5, 4, 3, 2, 1, 0]), box), reference);
  });

  it("scaling a unit by c > 0 and its outgoing weights by 1/c", () => {
    assert.equal(count(scaleUnit(base, 0, 2, 7.5), box), reference);
    assert.equal(count(scaleUnit(base, 1, 5, 0.01), box), reference);
  });

  it("adding a unit that is dead on the domain", () => {
    assert.equal(count(addUnit(base, 0, [0.3, -0.2], -5, [1, -1, 2, 0.5, 0, 1, 1, -1]), box), reference);
    assert.equal(count(addUnit(base, 1, new Array(10).fill(-1), -1, [3, 3]), box), reference);
  });

  it("an invertible affine change of inputs (diagonal scaling, translation, permutation) with the box mapped along", () => {
    // x = D y + v maps y ∈ [(−1 − v)/d, (1 − v)/d] (per coordinate, ordered) onto x ∈ [−1, 1].
    const d = [2.5, -0.4], v = [0.3, -1.2], perm = [1, 0];
    const changed = changeInputs(base, d, v, perm);
    const lo = new Float64Array(2), hi = new Float64Array(2);
    for (let k = 0; k < 2; k++) {
      const j = perm[k];
      const a = (-1 - v[j]) / d[j], c = (1 - v[j]) / d[j];
      lo[k] = Math.min(a, c);
      hi[k] = Math.max(a, c);
    }
    assert.equal(count(changed, { lo, hi }), reference);
  });

  it("leaky ReLU has the same count as ReLU for one hidden layer (same breakpoints)", () => {
    const relu = randomNet(5, 3, [12]);
    const leaky = { ...relu, layers: [{ ...relu.layers[0], activation: { kind: "leaky-relu" as const, alpha: 0.1 } }, relu.layers[1]] };
    const b3 = uniformBox(3, -1, 1);
    assert.equal(count(leaky, b3), count(relu, b3));
  });
});

describe("degenerate inputs", () => {
  const box = uniformBox(2, -1, 1);
  const twoLines: Network = {
    inputDim: 2,
    layers: [dense(2, 2, [1, 0, 0, 1], [0, 0], { kind: "relu" }), dense(2, 1, [1, 1], [0], { kind: "identity" })],
  };

  it("two lines crossing in the box give 4 regions", () => assert.equal(count(twoLines, box), 4));

  it("a network without hidden layers is one affine map: one region", () => {
    const affine: Network = { inputDim: 2, layers: [dense(2, 1, [1, -2], [0.5], { kind: "identity" })] };
    assert.equal(count(affine, box), 1);
  });

  it("a duplicate hyperplane, a scaled copy and an opposite copy add no region", () => {
    assert.equal(count(addUnit(twoLines, 0, [1, 0], 0, [1]), box), 4);
    assert.equal(count(addUnit(twoLines, 0, [3, 0], 0, [1]), box), 4);
    assert.equal(count(addUnit(twoLines, 0, [-1, 0], 0, [1]), box), 4);
  });

  it("a zero row and a unit constant on the domain add no region", () => {
    assert.equal(count(addUnit(twoLines, 0, [0, 0], 0.5, [1]), box), 4);
    assert.equal(count(addUnit(twoLines, 0, [0, 0], -0.5, [1]), box), 4);
    assert.equal(count(addUnit(twoLines, 0, [0, 0], 0, [1]), box), 4);
  });

  it("a deeper unit fed only by inactive units is constant on those cells", () => {
    // Layer 2 unit = ReLU(h1 + h2 − 0.5): constant −0.5 (off) on the cell where both h are 0.
    const net: Network = {
      inputDim: 2,
      layers: [
        dense(2, 2, [1, 0, 0, 1], [0, 0], { kind: "relu" }),
        dense(2, 1, [1, 1], [-0.5], { kind: "relu" }),
        dense(1, 1, [1], [0], { kind: "identity" }),
      ],
    };
    // Cells: x<0,y<0 (unit off) | x>0,y<0 split by x = 0.5 | x<0,y>0 split by y = 0.5 | x>0,y>0 split by x+y = 0.5.
    assert.equal(count(net, box), 7);
  });

  it("a line along the box's edge does not make a region of zero width", () => {
    assert.equal(count(addUnit(twoLines, 0, [1, 0], 1, [1]), box), 4);
  });
});

describe("properties on random networks", () => {
  it("distinct patterns of random points ≤ the count ≤ the bound with stable units ≤ Theorem 1, and each region verifies", async () => {
    const highs = await loadHighs();
    for (let seed = 0; seed < 6; seed++) {
      const n0 = 1 + (seed % 3);
      const widths = [6 + seed, 5, 4];
      const net = randomNet(1000 + seed, n0, widths);
      const box = uniformBox(n0, -1, 1);
      const bounds = lpBounds(net, box, highs);
      const v = new PartitionVerifier(net, box, { samples: 3000, seed });
      const r = countRegions(net, { box, exact, bounds, onRegion: (g) => v.add(patternToString(g.pattern), g.point, g.radius) });
      const report = v.finish();
      assert.ok(report.ok, report.problems.join("; "));
      assert.ok(r.regions >= sampledPatterns(net, box, 20000, seed).size);
      const stableBound = serra2018StableUpper(n0, widths, stableUnitsFromBounds(net, bounds));
      assert.ok(BigInt(r.regions) <= stableBound, `${r.regions} regions > bound ${stableBound}`);
      assert.ok(stableBound <= serra2018Upper(n0, widths));
    }
  });

  it("maxout networks verify and cover their samples", () => {
    const net = randomNet(77, 2, [4, 3], 2, { kind: "maxout", rank: 3 });
    const box = uniformBox(2, -1, 1);
    const v = new PartitionVerifier(net, box, { samples: 20000, seed: 5 });
    const r = countRegions(net, { box, exact, onRegion: (g) => v.add(patternToString(g.pattern), g.point, g.radius) });
    const report = v.finish();
    assert.ok(report.ok, report.problems.join("; "));
    assert.ok(r.regions >= report.distinctSampled && r.regions > 10);
  });

  it("the verifier reports a missing region and a wrong pattern", () => {
    const net = randomNet(3, 2, [5]);
    const box = uniformBox(2, -1, 1);
    const regions: { p: string; x: Float64Array; r: number }[] = [];
    countRegions(net, { box, exact, onRegion: (g) => regions.push({ p: patternToString(g.pattern), x: g.point, r: g.radius }) });
    const v = new PartitionVerifier(net, box, { samples: 20000 });
    for (const g of regions.slice(1)) v.add(g.p, g.x, g.r);
    v.add(regions[0].p.replace(/./, (c) => (c === "0" ? "1" : "0")), regions[0].x, regions[0].r);
    const report = v.finish();
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.includes("evaluates to")));
    assert.ok(report.problems.some((p) => p.includes("not among the regions")));
  });
});

describe("784-dimensional LPs (MNIST)", () => {
  it("regions of mnist-10-12-s1 inside a small box around a digit verify, and the split does not matter", () => {
    const net = parseOnnx(fixtureBytes("mnist-10-12-s1"), "mnist");
    const x0 = expectedOf("mnist-10-12-s1").samples[0].x;
    const r = 0.02;
    const box = { lo: Float64Array.from(x0, (v) => Math.max(0, v - r)), hi: Float64Array.from(x0, (v) => Math.min(1, v + r)) };
    const e = new RegionEnumerator(net, { box, exact });
    assert.ok(e.unitCount === 22);
    const v = new PartitionVerifier(net, box, { samples: 2000, seed: 9 });
    const a = countRegions(net, { box, exact, onRegion: (g) => v.add(patternToString(g.pattern), g.point, g.radius) });
    const report = v.finish();
    assert.ok(report.ok, report.problems.join("; "));
    assert.ok(a.regions > 1);
    assert.equal(countRegions(net, { box, exact, taskTarget: 4 }).regions, a.regions);
  });

  it("the line search across a new hyperplane replaces LPs without changing the count, and its points verify", () => {
    const net = parseOnnx(fixtureBytes("mnist-10-12-s1"), "mnist");
    const x0 = expectedOf("mnist-10-12-s1").samples[1].x;
    const r = 0.12; // 155 regions
    const box = { lo: Float64Array.from(x0, (v) => Math.max(0, v - r)), hi: Float64Array.from(x0, (v) => Math.min(1, v + r)) };
    const v = new PartitionVerifier(net, box, { samples: 1000, seed: 4 });
    const withSearch = countRegions(net, { box, exact, onRegion: (g) => v.add(patternToString(g.pattern), g.point, g.radius) });
    const report = v.finish();
    assert.ok(report.ok, report.problems.join("; "));
    const lpsOnly = countRegions(net, { box, exact, lineSearch: false });
    assert.equal(withSearch.regions, lpsOnly.regions);
    assert.ok(withSearch.regions > 50, `${withSearch.regions} regions: too few to exercise the search`);
    assert.ok(withSearch.stats.stepHits > lpsOnly.stats.stepHits, "the line search certified no child");
    assert.ok(withSearch.stats.lps < lpsOnly.stats.lps);
  });
});
