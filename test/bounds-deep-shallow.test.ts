import { test } from "node:test";
import assert from "node:assert/strict";
import { deepVsShallow, serra2018Upper, shallowCounterpart, zaslavsky } from "../src/bounds/index.ts";
import { mulberry32 } from "../src/util/random.ts";

test("the shallow counterpart is Zaslavsky's count for N hyperplanes in R^{n0}", () => {
  assert.equal(shallowCounterpart(784, [10, 12]), 1n << 22n);
  assert.equal(shallowCounterpart(2, [3, 3]), zaslavsky(6, 2));
  assert.equal(deepVsShallow(3, [7]).verdict, "same");
});

test("N ≤ n0 and L ≥ 2: the shallow net's 2^N exceeds Theorem 1 for the deep one (seeded sweep)", () => {
  const rand = mulberry32(51);
  for (let t = 0; t < 300; t++) {
    const widths = Array.from({ length: 2 + Math.floor(rand() * 4) }, () => 1 + Math.floor(rand() * 8));
    const N = widths.reduce((a, b) => a + b, 0);
    const n0 = N + Math.floor(rand() * 10);
    const c = deepVsShallow(n0, widths);
    assert.equal(c.shallowExact, 1n << BigInt(N));
    assert.equal(c.verdict, "shallow", `${n0}|${widths}: deep ≤ ${c.deepUpper}, shallow ${c.shallowExact}`);
  }
});

test("two layers with n0 > n1 and n0 > n2: the shallow layer of n1 + n2 units wins even when n1 + n2 > n0 (Serra et al. 2018, App. A)", () => {
  let beyond = 0;
  for (let n0 = 2; n0 <= 14; n0++) {
    for (let n1 = 1; n1 < n0; n1++) {
      for (let n2 = 1; n2 < n0; n2++) {
        const c = deepVsShallow(n0, [n1, n2]);
        assert.equal(c.verdict, "shallow", `${n0}|${n1},${n2}`);
        if (n1 + n2 > n0) beyond++;
      }
    }
  }
  assert.ok(beyond > 100);
});

test("equal widths n, L layers, n0 = L·n: deep/shallow ratio of maxima falls towards 0 as L grows", () => {
  for (const n of [2, 3, 5]) {
    let prev = Infinity;
    for (let L = 2; L <= 16; L++) {
      const ratio = Number(serra2018Upper(L * n, Array(L).fill(n)) * 1_000_000n / (1n << BigInt(L * n))) / 1e6;
      assert.ok(ratio < prev, `n=${n} L=${L}: ${ratio} ≥ ${prev}`);
      prev = ratio;
    }
    assert.ok(prev < 0.02, `n=${n}: ratio at L = 16 is ${prev}`);
  }
});

test("N > n0: deep architectures that provably beat every shallow one exist (lower bound > shallow maximum)", () => {
  // n0 = 1, widths ≥ 3: Theorem 5 gives the exact maximum ∏(n_l + 1) vs N + 1 for one layer.
  const a = deepVsShallow(1, [3, 3]);
  assert.deepEqual([a.deepLower, a.shallowExact, a.verdict], [16n, 7n, "deep"]);
  // n0 = 2, widths 6,6 ≥ 3·n0: Theorem 6 gives 4^2 · 22 = 352 > 1 + 12 + 66.
  const b = deepVsShallow(2, [6, 6]);
  assert.deepEqual([b.deepLower, b.shallowExact, b.verdict], [352n, 79n, "deep"]);
});
