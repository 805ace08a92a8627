import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import type { ExactMarginSolver } from "../src/count/engine.ts";
import { RegionEnumerator } from "../src/count/engine.ts";
import { FlatComplex, FlatState, independentNormals } from "../src/count/flats.ts";
import { countRegionsMilp } from "../src/milp/count.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { uniformBox } from "../src/model/network.ts";
import type { Network } from "../src/model/network.ts";
import { dense, permuteUnits, randomNet, scaleUnit } from "./helpers/nets.ts";

let exact: ExactMarginSolver;
before(async () => {
  exact = highsMarginSolver(await loadHighs());
});

describe("the complex of flats that meet a cell", () => {
  it("three lines in general position crossing inside a square: ∅, 3 lines and 3 crossings meet it, the triple does not: 7 regions", () => {
    const cx = new FlatComplex(4);
    cx.reset(3);
    const order = cx.order(3);
    assert.deepEqual([...order], [7, 3, 5, 6, 1, 2, 4], "largest subsets first");
    assert.ok(cx.markMisses(7)); // three generic lines have no common point
    for (const pair of [3, 5, 6]) assert.ok(cx.markMeets(pair)); // each pair crosses inside the square
    assert.equal(cx.meets(), 7); // 1 + 3 + 3 = the 7 regions of three lines in general position
    for (let s = 0; s < 8; s++) assert.notEqual(cx.state[s], FlatState.Unknown);
  });

  it("a flat that misses settles its supersets only; one that meets settles its subsets only", () => {
    const cx = new FlatComplex(4);
    cx.reset(4);
    assert.ok(cx.markMisses(0b0011));
    for (let s = 0; s < 16; s++) assert.equal(cx.state[s] === FlatState.Misses, (s & 0b0011) === 0b0011, `subset ${s}`);
    assert.ok(cx.markMeets(0b1101));
    for (const s of [0b1101, 0b1100, 0b1001, 0b0101, 0b1000, 0b0100, 0b0001, 0]) assert.equal(cx.state[s], FlatState.Meets);
    assert.equal(cx.state[0b0110], FlatState.Unknown);
  });

  it("answers that contradict each other are refused and change nothing", () => {
    const cx = new FlatComplex(3);
    cx.reset(3);
    assert.ok(cx.markMeets(0b011));
    const before = Int8Array.from(cx.state.subarray(0, 8));
    assert.equal(cx.markMisses(0b001), false, "a subset of a flat that meets cannot miss");
    assert.equal(cx.markMisses(0), false, "the empty set always meets");
    assert.deepEqual(Int8Array.from(cx.state.subarray(0, 8)), before);
    cx.reset(3);
    assert.ok(cx.markMisses(0b100));
    assert.equal(cx.markMeets(0b110), false);
    assert.throws(() => cx.reset(4), /at most 3/);
  });

  it("independent normals pass, a repeated or nearly repeated normal fails", () => {
    const n0 = 4, gram = new Float64Array(16);
    const e = Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0.6, 0.8);
    assert.ok(independentNormals(e, 3, n0, gram));
    const twice = Float64Array.of(1, 0, 0, 0, 0, 0.6, 0.8, 0, 1, 0, 0, 0);
    assert.equal(independentNormals(twice, 3, n0, gram), false);
    const eps = 1e-7, c = Math.sqrt(1 - eps * eps);
    const near = Float64Array.of(1, 0, 0, 0, c, eps, 0, 0); // pivot eps² = 1e-14
    assert.equal(independentNormals(near, 2, n0, gram), false);
  });
});

/** The count by flats against the sign search of the same enumerator (flats off), with the cells it counted. */
function compare(net: Network, lo: number, hi: number): { regions: number; flatCells: number } {
  const box = uniformBox(net.inputDim, lo, hi);
  const on = new RegionEnumerator(net, { box, exact, flats: true });
  const regions = on.countAll();
  const off = countRegions(net, { box, exact, flats: false, central: false });
  assert.equal(regions, off.regions);
  return { regions, flatCells: on.flatCells };
}

describe("counting the last layer by flats", () => {
  it("the same count as the sign search: 784-D, 12-D, leaky ReLU, one hidden layer, three layers", () => {
    const cases: [string, Network, number, number][] = [
      ["784-8-5", randomNet(21, 784, [8, 5], 2, { kind: "relu" }, 0.3), 0, 1],
      ["12-8-6", randomNet(22, 12, [8, 6], 2, { kind: "relu" }, 0.1), -1, 1],
      ["20-6-8 leaky", randomNet(23, 20, [6, 8], 2, { kind: "leaky-relu", alpha: 0.1 }, 0.1), -1, 1],
      ["12-12", randomNet(24, 12, [12], 2, { kind: "relu" }, 0.5), -1, 1],
      ["10-6-4-5", randomNet(25, 10, [6, 4, 5], 2, { kind: "relu" }, 0.1), -1, 1],
    ];
    for (const [name, net, lo, hi] of cases) {
      const { regions, flatCells } = compare(net, lo, hi);
      assert.ok(flatCells > 0, `${name}: no cell counted by flats (${regions} regions)`);
    }
  });

  it("the count with cells counted by flats equals the MILP method's (Serra et al. 2018), an independent second method", async () => {
    for (const [seed, n0, widths] of [[34, 12, [6, 6]], [35, 20, [6, 5]]] as const) {
      const net = randomNet(seed, n0, [...widths], 2, { kind: "relu" }, 0.1);
      const box = uniformBox(n0, -1, 1);
      const e = new RegionEnumerator(net, { box, exact, flats: true });
      const regions = e.runTask(new Uint8Array(0));
      assert.ok(e.flatCells > 30, `${e.flatCells} cells by flats`);
      assert.equal(regions, (await countRegionsMilp(net, { box })).regions, `${n0}-${widths.join("-")}`);
    }
  });

  it("one hidden layer of k ≤ n0 units whose hyperplanes meet inside the box: 2^k regions, settled by a single flat", () => {
    // Hyperplanes w_i · (x − c) = 0 through the box's centre c, with generic normals: their common flat holds c.
    const n0 = 9, k = 7;
    const base = randomNet(26, n0, [k], 1, { kind: "relu" }, 0);
    const W = base.layers[0].weights, c = 0.5;
    const bias = Array.from({ length: k }, (_, i) => -W.subarray(i * n0, (i + 1) * n0).reduce((s, w) => s + w * c, 0));
    const net: Network = { inputDim: n0, layers: [dense(n0, k, W, bias, { kind: "relu" }), base.layers[1]] };
    const box = uniformBox(n0, 0, 1);
    const e = new RegionEnumerator(net, { box, exact, flats: true, central: false });
    assert.equal(e.runTask(new Uint8Array(0)), 2 ** k); // the root as one task (countAll's split would decide every unit)
    assert.equal(e.flatQueries, 1, "the flat of all k hyperplanes meets the box: every subset follows");
  });

  it("metamorphic: permuting the last layer's units, or scaling one by c > 0 (its outgoing weights by 1/c), keeps the count", () => {
    const net = randomNet(27, 16, [6, 6], 2, { kind: "relu" }, 0.1);
    const box = uniformBox(16, -1, 1);
    const base = countRegions(net, { box, exact, flats: false, central: false }).regions;
    for (const variant of [net, permuteUnits(net, 1, [3, 5, 0, 1, 4, 2]), scaleUnit(net, 1, 2, 7.5), scaleUnit(net, 1, 4, 0.01)]) {
      // The root as one task: countAll's split would decide most of the last layer before the flats are asked.
      const e = new RegionEnumerator(variant, { box, exact, flats: true });
      assert.equal(e.runTask(new Uint8Array(0)), base);
      assert.ok(e.flatCells > 0, "no cell counted by flats");
    }
  });

  it("a region thinner than the threshold (a strip between two nearly parallel hyperplanes) is not counted by flats either", () => {
    // Found in review: 4 inputs; the first layer's cell |x1| < h (two units off) and four stably active units passing
    // x through; the last layer cuts it by x0 = 0, a copy tilted by θ and offset by ε (a strip 2–6e-9 wide inside the
    // cell, below the 1e-8 threshold), x2 = 0 and x3 = 0. The flats of the last layer meet the cell all the same.
    const h = 1e-4, theta = 2e-5, eps = 4e-9, c = Math.cos(theta), sn = Math.sin(theta);
    const net: Network = {
      inputDim: 4,
      layers: [
        dense(4, 6, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, -1, 0, 0], [10, 10, 10, 10, -h, -h], { kind: "relu" }),
        dense(6, 4, [1, 0, 0, 0, 0, 0, c, sn, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0], [-10, -10 * (c + sn) - eps, -10, -10], { kind: "relu" }),
        dense(4, 1, [1, 1, 1, 1], [0], { kind: "identity" }),
      ],
    };
    const box = uniformBox(4, -1, 1);
    const search = new RegionEnumerator(net, { box, exact, flats: false, central: false }).runTask(new Uint8Array(0));
    const e = new RegionEnumerator(net, { box, exact, flats: true, central: false });
    assert.equal(e.runTask(new Uint8Array(0)), search);
    assert.ok(e.flatFallbacks > 0, "the thin cell should go back to the sign search");
    assert.ok(e.flatCells > 0, "the other cells are counted by flats");
    assert.equal(countRegions(net, { box, exact, flats: true, central: false, taskTarget: 2 }).regions, search);
    let sum = 0;
    for (const t of e.subtasks(undefined, 8)) sum += e.runTask(t);
    assert.equal(sum, search, "a task's subtasks add up to it");
  });

  it("thin cells no flat meets, whose witness lies within the threshold of a hyperplane, are not counted by flats either", () => {
    // Found in the second review: x passes through four stably active units, and for each input the pair x_i − δ,
    // −x_i − δ (δ = 1.2e-8) makes cells as thin as 2δ; the last layer's hyperplanes x_i = 0.5e-8 sit inside them. Only
    // the regions-proven check catches these (without it: 81 regions against the sign search's 16).
    const d = 1.2e-8, first: number[] = [], bias: number[] = [];
    for (let i = 0; i < 4; i++) {
      first.push(...[0, 1, 2, 3].map((j) => (j === i ? 1 : 0)));
      bias.push(10);
    }
    for (let i = 0; i < 4; i++) {
      for (const sgn of [1, -1]) {
        first.push(...[0, 1, 2, 3].map((j) => (j === i ? sgn : 0)));
        bias.push(-d);
      }
    }
    const second = [0, 1, 2, 3].flatMap((i) => Array.from({ length: 12 }, (_, j) => (j === i ? 1 : 0)));
    const net: Network = {
      inputDim: 4,
      layers: [
        dense(4, 12, first, bias, { kind: "relu" }),
        dense(12, 4, second, [0, 1, 2, 3].map(() => -10 - 0.5e-8), { kind: "relu" }),
        dense(4, 1, [1, 1, 1, 1], [0], { kind: "identity" }),
      ],
    };
    const box = uniformBox(4, -1, 1);
    const search = new RegionEnumerator(net, { box, exact, flats: false, central: false }).runTask(new Uint8Array(0));
    const e = new RegionEnumerator(net, { box, exact, flats: true, central: false });
    assert.equal(e.runTask(new Uint8Array(0)), search);
    assert.ok(e.flatFallbacks > 0);
  });

  it("progress ticks still come as cells are counted by flats, each after more regions than the last", () => {
    const net = randomNet(22, 12, [8, 6], 2, { kind: "relu" }, 0.1);
    const e = new RegionEnumerator(net, { box: uniformBox(12, -1, 1), exact, flats: true });
    const seen: number[] = [];
    const regions = e.runTask(new Uint8Array(0), undefined, () => seen.push(e.stats.regions), 50);
    assert.ok(e.flatCells > 0);
    assert.ok(seen.length >= 2, `${seen.length} ticks for ${regions} regions`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1]);
    assert.ok(seen.at(-1)! <= regions && regions - seen.at(-1)! < 50 + 2 ** 12, "no long silence at the end");
  });

  it("regions handed to a sink are searched sign by sign (each needs its pattern and point), with the same count", () => {
    const net = randomNet(28, 30, [6, 8], 2, { kind: "relu" }, 0.1);
    const box = uniformBox(30, -1, 1);
    const e = new RegionEnumerator(net, { box, exact, flats: true });
    let seen = 0;
    const { tasks } = e.splitTasks();
    for (const t of tasks) e.runTask(t, () => seen++);
    assert.equal(e.flatCells, 0);
    const counted = new RegionEnumerator(net, { box, exact, flats: true });
    assert.equal(seen, counted.countAll());
    assert.ok(counted.flatCells > 0);
  });
});
