import { test } from "node:test";
import assert from "node:assert/strict";
import type { Box, Network } from "../src/model/network.ts";
import { hiddenLayers, outputWidthOf, uniformBox } from "../src/model/network.ts";
import { applyDense, activate } from "../src/model/evaluate.ts";
import { intervalBounds, type PreActivationBounds } from "../src/tighten/interval.ts";
import { lpBounds } from "../src/tighten/lp.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { mulberry32 } from "../src/util/random.ts";
import { loadFixture, randomNet } from "./helpers/milp-nets.ts";

/** Pre-activations of every hidden layer at x. */
function preActivations(net: Network, x: Float64Array): Float64Array[] {
  const out: Float64Array[] = [];
  let h = x;
  for (const layer of hiddenLayers(net)) {
    const g = applyDense(layer, h, new Float64Array(layer.outDim));
    out.push(g);
    const next = new Float64Array(outputWidthOf(layer));
    activate(layer, g, next);
    h = next;
  }
  return out;
}

/** Observed min/max of every pre-activation over points (random, plus the box corners' neighbourhood). */
function observedRange(net: Network, points: Float64Array[]): PreActivationBounds {
  const lower: Float64Array[] = [], upper: Float64Array[] = [];
  for (const layer of hiddenLayers(net)) {
    lower.push(new Float64Array(layer.outDim).fill(Infinity));
    upper.push(new Float64Array(layer.outDim).fill(-Infinity));
  }
  for (const x of points) {
    preActivations(net, x).forEach((g, l) => {
      for (let r = 0; r < g.length; r++) {
        lower[l][r] = Math.min(lower[l][r], g[r]);
        upper[l][r] = Math.max(upper[l][r], g[r]);
      }
    });
  }
  return { lower, upper };
}

function samples(box: Box, n: number, seed: number): Float64Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => box.lo.map((lo, k) => lo + (box.hi[k] - lo) * rand()));
}

function assertContains(b: PreActivationBounds, seen: PreActivationBounds, label: string) {
  b.lower.forEach((lo, l) =>
    lo.forEach((v, r) => {
      assert.ok(v <= seen.lower[l][r], `${label}: lower[${l}][${r}] = ${v} > observed ${seen.lower[l][r]}`);
      assert.ok(b.upper[l][r] >= seen.upper[l][r], `${label}: upper[${l}][${r}] below observed`);
    }),
  );
}

function assertNoLooser(b: PreActivationBounds, iv: PreActivationBounds, label: string) {
  b.lower.forEach((lo, l) =>
    lo.forEach((v, r) => {
      assert.ok(v >= iv.lower[l][r], `${label}: LP lower looser than interval at [${l}][${r}]`);
      assert.ok(b.upper[l][r] <= iv.upper[l][r], `${label}: LP upper looser than interval at [${l}][${r}]`);
    }),
  );
}

test("LP bounds contain every sampled pre-activation and are no looser than interval bounds (fixtures)", async () => {
  const highs = await loadHighs();
  for (const name of ["random-1-8-8-s3", "random-2-8-8-s1", "random-3-6-6-6-s4", "random-2-32-32-s5"]) {
    const { net, box } = loadFixture(name);
    const b = lpBounds(net, box, highs);
    assertContains(b, observedRange(net, samples(box, 20000, 7)), name);
    assertNoLooser(b, intervalBounds(net, box), name);
  }
});

test("LP bounds are strictly tighter than interval bounds somewhere on a deep fixture", async () => {
  const highs = await loadHighs();
  const { net, box } = loadFixture("random-3-6-6-6-s4");
  const b = lpBounds(net, box, highs), iv = intervalBounds(net, box);
  let gain = 0;
  for (let l = 1; l < b.lower.length; l++) for (let r = 0; r < b.lower[l].length; r++) gain += iv.upper[l][r] - b.upper[l][r];
  assert.ok(gain > 0.1, `total tightening ${gain}`);
});

test("layer-1 LP bounds equal the exact range over the box (interval arithmetic is exact there)", async () => {
  const highs = await loadHighs();
  const { net, box } = loadFixture("random-2-8-8-s1");
  const b = lpBounds(net, box, highs), iv = intervalBounds(net, box);
  assert.deepEqual(Array.from(b.lower[0]), Array.from(iv.lower[0]));
  assert.deepEqual(Array.from(b.upper[0]), Array.from(iv.upper[0]));
});

test("1-D nets: LP bounds contain the exact range from a fine grid and are no looser than interval bounds", async () => {
  const highs = await loadHighs();
  for (const [seed, activation] of [
    [1, { kind: "relu" }],
    [2, { kind: "leaky-relu", alpha: 0.1 }],
    [3, { kind: "maxout", rank: 3 }],
  ] as const) {
    const net = randomNet(seed, [1, 6, 6, 6], activation);
    const box = uniformBox(1, -1, 1);
    // A 1-D piecewise-linear function with few breakpoints: a 200,001-point grid meets every piece.
    const grid = Array.from({ length: 200001 }, (_, i) => Float64Array.of(-1 + i / 100000));
    const exact = observedRange(net, grid);
    const b = lpBounds(net, box, highs);
    assertContains(b, exact, `${activation.kind} seed ${seed}`);
    assertNoLooser(b, intervalBounds(net, box), `${activation.kind} seed ${seed}`);
  }
});

test("leaky-ReLU and maxout nets in 3-D: LP bounds contain sampled ranges", async () => {
  const highs = await loadHighs();
  for (const activation of [{ kind: "leaky-relu", alpha: 0.2 }, { kind: "maxout", rank: 2 }] as const) {
    const net = randomNet(11, [3, 8, 8, 8], activation);
    const box = uniformBox(3, -1, 1);
    assertContains(lpBounds(net, box, highs), observedRange(net, samples(box, 20000, 3)), activation.kind);
  }
});
