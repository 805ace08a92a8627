import { test } from "node:test";
import assert from "node:assert/strict";
import {
  binomial, binomialPrefixSum, montufar2014Lower, montufar2017, raghu2017Product, serra2018Lower, serra2018Upper,
  trivialUpperBound, zaslavsky,
} from "../src/bounds/index.ts";
import { mulberry32 } from "../src/util/random.ts";

/** Theorem 1 by enumerating J literally (the definition), for small architectures only. */
function serraByEnumeration(n0: number, widths: number[], ranks?: number[]): bigint {
  const L = widths.length;
  let total = 0n;
  const js: number[] = [];
  const rec = (l: number, prod: bigint) => {
    if (l === L) {
      total += prod;
      return;
    }
    let cap = Math.min(n0, ranks ? ranks[l] : widths[l]);
    for (let m = 0; m < l; m++) cap = Math.min(cap, widths[m] - js[m]);
    for (let j = 0; j <= cap; j++) {
      js[l] = j;
      rec(l + 1, prod * binomial(widths[l], j));
    }
  };
  rec(0, 1n);
  return total;
}

/** Seeded sweep of small architectures: L in 1..5, widths in 1..12, n0 in 1..10. */
function sweep(count: number, seed: number): { n0: number; widths: number[] }[] {
  const rand = mulberry32(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const L = 1 + Math.floor(rand() * 5);
    out.push({ n0: 1 + Math.floor(rand() * 10), widths: Array.from({ length: L }, () => 1 + Math.floor(rand() * 12)) });
  }
  return out;
}

test("Zaslavsky by hand: 3 lines in the plane make 7 regions, 4 lines 11, n ≤ d gives 2^n", () => {
  assert.equal(zaslavsky(3, 2), 7n);
  assert.equal(zaslavsky(4, 2), 11n);
  assert.equal(zaslavsky(5, 9), 32n);
  assert.equal(zaslavsky(3, 1), 4n);
});

test("Theorem 1 by hand: n0 = 784, widths 2,2 gives 1·4 + 2·3 + 1·1 = 11", () => {
  // j1 = 0: j2 ≤ 2 → 1+2+1; j1 = 1: j2 ≤ 1 → 2·(1+2); j1 = 2: j2 = 0 → 1.
  assert.equal(serra2018Upper(784, [2, 2]), 11n);
  assert.equal(serra2018Upper(1, [2, 2]), 9n);
});

test("Theorem 1 equals Zaslavsky for one hidden layer (tight for L = 1)", () => {
  for (const n0 of [1, 2, 3, 7, 784]) for (const n1 of [1, 2, 5, 13, 40, 100]) assert.equal(serra2018Upper(n0, [n1]), zaslavsky(n1, n0));
});

test("the dynamic programme equals brute-force enumeration of J on a seeded sweep", () => {
  for (const { n0, widths } of sweep(150, 11)) {
    if (widths.length > 4) widths.length = 4;
    assert.equal(serra2018Upper(n0, widths), serraByEnumeration(n0, widths), `${n0}|${widths}`);
  }
});

test("rank refinement: equals brute force, never exceeds Theorem 1, equals it with ranks = widths", () => {
  const rand = mulberry32(5);
  for (const { n0, widths } of sweep(120, 12)) {
    if (widths.length > 4) widths.length = 4;
    const ranks = widths.map((w, l) => Math.floor(rand() * (Math.min(w, l === 0 ? n0 : widths[l - 1]) + 1)));
    const refined = serra2018Upper(n0, widths, { ranks });
    assert.equal(refined, serraByEnumeration(n0, widths, ranks));
    assert.ok(refined <= serra2018Upper(n0, widths));
    assert.equal(serra2018Upper(n0, widths, { ranks: widths }), serra2018Upper(n0, widths));
  }
  // By hand: rank(W^1) = 1 in a 784-2-2 net caps j1 ≤ 1: 1·4 + 2·3 = 10.
  assert.equal(serra2018Upper(784, [2, 2], { ranks: [1, 2] }), 10n);
});

test("Montúfar 2017, Raghu 2017 (product form) and 2^N by hand", () => {
  // d = (2, 1): (1+3+3)·(1+1).
  assert.equal(montufar2017(2, [3, 1]), 14n);
  // Raghu: each layer an arrangement in R^2: 7 · 2.
  assert.equal(raghu2017Product(2, [3, 1]), 14n);
  // d = (1, 1) after a width-1 bottleneck: (1+1)·(1+4), while Raghu counts layer 2 in R^2: (1+1)·(1+4+6).
  assert.equal(montufar2017(2, [1, 4]), 10n);
  assert.equal(raghu2017Product(2, [1, 4]), 22n);
  assert.equal(trivialUpperBound([10, 12]), 4194304n);
});

test("Theorem 1 ≤ Montúfar 2017 ≤ Raghu 2017 ≤ 2^N on a seeded sweep of architectures", () => {
  for (const { n0, widths } of sweep(400, 21)) {
    const s = serra2018Upper(n0, widths), m = montufar2017(n0, widths), r = raghu2017Product(n0, widths), t = trivialUpperBound(widths);
    assert.ok(s <= m && m <= r && r <= t, `${n0}|${widths}: ${s} ${m} ${r} ${t}`);
  }
});

test("n0 = 1 with every n_l ≥ 3: Theorem 1 gives ∏(n_l + 1), the exact maximum (Serra et al. 2018 Theorem 5)", () => {
  const rand = mulberry32(3);
  for (let i = 0; i < 100; i++) {
    const widths = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => 3 + Math.floor(rand() * 20));
    const prod = widths.reduce((p, w) => p * BigInt(w + 1), 1n);
    assert.equal(serra2018Upper(1, widths), prod, `${widths}`);
    // Serra et al.'s lower bound meets it: (n_l + 1) per folding layer times Σ_{j≤1} C(n_L, j) = n_L + 1.
    assert.equal(serra2018Lower(1, widths).value, prod);
  }
});

test("lower bounds by hand, and 'not applicable' with the reason outside their conditions", () => {
  // Montúfar et al. 2014: ⌊4/2⌋^2 · (1 + 3 + 3).
  assert.deepEqual(montufar2014Lower(2, [4, 3]), { value: 28n });
  // Serra et al. 2018: (⌊6/2⌋ + 1)^2 · (1 + 6 + 15).
  assert.deepEqual(serra2018Lower(2, [6, 6]), { value: 352n });
  const m = montufar2014Lower(784, [10, 12]);
  assert.equal(m.value, null);
  assert.match((m as { notApplicable: string }).notApplicable, /n_l ≥ n0 = 784.*layer 1 has 10/);
  const s = serra2018Lower(2, [6, 5]);
  assert.equal(s.value, null);
  assert.match((s as { notApplicable: string }).notApplicable, /3·n0 = 6.*layer 2 has 5/);
  // One hidden layer: both reduce to Zaslavsky's count.
  assert.deepEqual(montufar2014Lower(3, [9]), { value: binomialPrefixSum(9, 3) });
});

test("every lower bound ≤ Theorem 1 where it applies (seeded sweep with wide layers)", () => {
  const rand = mulberry32(8);
  let applied = 0;
  for (let i = 0; i < 300; i++) {
    const n0 = 1 + Math.floor(rand() * 4);
    const widths = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => n0 + Math.floor(rand() * 4 * n0 + 3));
    const upper = serra2018Upper(n0, widths);
    for (const b of [montufar2014Lower(n0, widths), serra2018Lower(n0, widths)]) {
      if (b.value === null) continue;
      applied++;
      assert.ok(b.value <= upper, `${n0}|${widths}: lower ${b.value} > upper ${upper}`);
    }
  }
  assert.ok(applied > 300, `only ${applied} lower bounds applied`);
});

test("bad architectures are refused", () => {
  assert.throws(() => serra2018Upper(0, [3]), RangeError);
  assert.throws(() => serra2018Upper(3, []), RangeError);
  assert.throws(() => serra2018Upper(3, [2, 0]), RangeError);
  assert.throws(() => serra2018Upper(3, [2, 2], { ranks: [1] }), RangeError);
});

test("Theorem 1 for 20 layers of width 100 over n0 = 784 is exact and below Montúfar 2017", () => {
  const widths = Array(20).fill(100);
  const s = serra2018Upper(784, widths);
  assert.ok(s < montufar2017(784, widths));
  assert.ok(s > 1n << 1900n && s < 1n << 2000n);
});
