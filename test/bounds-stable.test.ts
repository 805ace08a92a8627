import { test } from "node:test";
import assert from "node:assert/strict";
import { allBounds, boundsSpecFromNetwork, serra2018StableUpper, serra2018Upper } from "../src/bounds/index.ts";
import { loadModel } from "../src/io/load.ts";
import { intervalBounds } from "../src/tighten/interval.ts";
import { mulberry32 } from "../src/util/random.ts";
import type { Network } from "../src/model/network.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureNames, fixturePath, fixturesDir } from "./helpers/fixtures.ts";

const none = (widths: number[]) => ({ active: widths.map(() => 0), inactive: widths.map(() => 0) });

test("stable-unit bound by hand on 5-2-2", () => {
  assert.equal(serra2018StableUpper(5, [2, 2], none([2, 2])), 11n);
  // One stably active unit in layer 1: j1 ∈ {0,1} of the 1 unstable unit; passes 2 − j1 dimensions: 4 + 3.
  assert.equal(serra2018StableUpper(5, [2, 2], { active: [1, 0], inactive: [0, 0] }), 7n);
  // One stably inactive unit in layer 1: passes 1 − j1 dimensions: 3 + 1.
  assert.equal(serra2018StableUpper(5, [2, 2], { active: [0, 0], inactive: [1, 0] }), 4n);
  // Everything stable: one region.
  assert.equal(serra2018StableUpper(5, [2, 2], { active: [1, 2], inactive: [1, 0] }), 1n);
});

test("with no stable units it equals Theorem 1; it never increases as units become stable (seeded sweep)", () => {
  const rand = mulberry32(41);
  for (let t = 0; t < 120; t++) {
    const n0 = 1 + Math.floor(rand() * 8);
    const widths = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => 1 + Math.floor(rand() * 9));
    assert.equal(serra2018StableUpper(n0, widths, none(widths)), serra2018Upper(n0, widths));
    const active = widths.map(() => 0), inactive = widths.map(() => 0);
    let prev = serra2018Upper(n0, widths);
    // Stabilise one unit at a time, at random layers and signs, until every unit is stable.
    const order = widths.flatMap((w, l) => Array(w).fill(l) as number[]).sort(() => rand() - 0.5);
    for (const l of order) {
      if (rand() < 0.5) active[l]++;
      else inactive[l]++;
      const b = serra2018StableUpper(n0, widths, { active, inactive });
      assert.ok(b <= prev, `${n0}|${widths} a=${active} i=${inactive}: ${b} > ${prev}`);
      prev = b;
    }
    assert.equal(prev, 1n);
  }
});

test("inconsistent stable counts are refused", () => {
  assert.throws(() => serra2018StableUpper(3, [2, 2], { active: [2, 0], inactive: [1, 0] }), RangeError);
  assert.throws(() => serra2018StableUpper(3, [2, 2], { active: [0], inactive: [0] }), RangeError);
});

test("on every fixture: counted regions ≤ stable-unit bound (interval arithmetic over its box) ≤ Theorem 1", async () => {
  for (const name of fixtureNames()) {
    const expected = JSON.parse(readFileSync(join(fixturesDir, `${name}.expected.json`), "utf8")) as { box: [number, number]; regions?: number };
    const { network } = await loadModel(fixturePath(name));
    const n = network.inputDim;
    const box = { lo: new Float64Array(n).fill(expected.box[0]), hi: new Float64Array(n).fill(expected.box[1]) };
    const spec = await boundsSpecFromNetwork(network, box);
    assert.ok(spec.stable, name);
    const rows = allBounds(spec);
    const stable = rows.find((r) => r.id === "serra2018-stable")!.value!;
    const plain = rows.find((r) => r.id === "serra2018")!.value!;
    assert.ok(stable <= plain, name);
    if (expected.regions !== undefined) assert.ok(BigInt(expected.regions) <= stable, `${name}: ${expected.regions} regions > bound ${stable}`);
  }
});

test("the pre-activation source is a parameter: a tighter (here: exact-by-fiat) source gives a bound no larger", async () => {
  const { network } = await loadModel(fixturePath("random-2-32-32-s5"));
  const box = { lo: new Float64Array(2).fill(-1), hi: new Float64Array(2).fill(1) };
  const loose = await boundsSpecFromNetwork(network, box);
  // Shrink interval bounds towards their midpoints: a stand-in for a sharper method (more units become stable).
  const sharper = await boundsSpecFromNetwork(network, box, {
    name: "shrunken intervals",
    bounds: (net, b) => {
      const ib = intervalBounds(net, b);
      const shrink = (lo: Float64Array, hi: Float64Array, side: 1 | -1) => lo.map((v, i) => (side < 0 ? v : hi[i]) * 0.5 + (lo[i] + hi[i]) * 0.25);
      return { lower: ib.lower.map((lo, l) => shrink(lo, ib.upper[l], -1)), upper: ib.upper.map((hi, l) => shrink(ib.lower[l], hi, 1)) };
    },
  });
  assert.match(sharper.stable!.method, /^shrunken intervals over \[-1, 1\]\^2$/);
  const stableCount = (s: typeof loose) => s.stable!.active.reduce((a, b) => a + b, 0) + s.stable!.inactive.reduce((a, b) => a + b, 0);
  assert.ok(stableCount(sharper) >= stableCount(loose));
  const value = (s: typeof loose) => allBounds(s).find((r) => r.id === "serra2018-stable")!.value!;
  assert.ok(value(sharper) <= value(loose));
});

test("networks in memory: maxout rank from the layers, leaky ReLU marks Theorem 1 not applicable, mixed activations refused", async () => {
  const dense = (inDim: number, outDim: number, activation: Network["layers"][number]["activation"], w: number[], b: number[]) =>
    ({ inDim, outDim, weights: Float64Array.from(w), bias: Float64Array.from(b), activation });
  // 1 input; one rank-2 maxout unit whose pieces are x and x + 5: piece 2 dominates on [-1, 1] (stable).
  const maxoutNet: Network = {
    inputDim: 1,
    layers: [dense(1, 2, { kind: "maxout", rank: 2 }, [1, 1], [0, 5]), dense(1, 1, { kind: "identity" }, [1], [0])],
  };
  const box = { lo: Float64Array.of(-1), hi: Float64Array.of(1) };
  const spec = await boundsSpecFromNetwork(maxoutNet, box);
  assert.deepEqual(spec.activation, { kind: "maxout", rank: 2 });
  assert.deepEqual([spec.stable!.active, spec.stable!.inactive], [[1], [0]]);
  const rows = allBounds(spec);
  assert.equal(rows.find((r) => r.id === "serra2018-maxout-stable")!.value, 1n);
  assert.equal(rows.find((r) => r.id === "serra2018-maxout")!.value, 2n);

  const leaky: Network = {
    inputDim: 1,
    layers: [dense(1, 2, { kind: "leaky-relu", alpha: 0.1 }, [1, -1], [0, 0.5]), dense(2, 1, { kind: "identity" }, [1, 1], [0])],
  };
  const leakyRows = allBounds(await boundsSpecFromNetwork(leaky, box));
  for (const id of ["serra2018", "serra2018-stable", "serra2018-lower", "montufar2014-lower"]) {
    const r = leakyRows.find((x) => x.id === id)!;
    assert.equal(r.value, null, id);
    assert.ok(r.notApplicable && r.notApplicable.length > 0);
  }
  assert.equal(leakyRows.find((r) => r.id === "montufar2017")!.value, 3n);

  const mixed: Network = {
    inputDim: 1,
    layers: [dense(1, 1, { kind: "relu" }, [1], [0]), dense(1, 2, { kind: "maxout", rank: 2 }, [1, -1], [0, 0]), dense(1, 1, { kind: "identity" }, [1], [0])],
  };
  await assert.rejects(boundsSpecFromNetwork(mixed), (e: Error) => e.name === "ModelError" && /mixes relu, maxout\(2\)/.test(e.message));
});
