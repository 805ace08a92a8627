import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { mulberry32 } from "../src/util/random.ts";
import { bootstrapMeanInterval, mannWhitney, mean, median, minMax, normalUpperTail, pearson, quantile, ranks, spearman } from "../src/util/stats.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("mean, median, quantile (definition 7), minMax on hand cases", () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(mean([])));
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(quantile([10, 20, 30, 40, 50], 0.25), 20);
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75); // R: quantile(1:4, 0.25) = 1.75
  assert.equal(quantile([5, 1], 0), 1);
  assert.equal(quantile([5, 1], 1), 5);
  assert.equal(quantile(Float64Array.of(7), 0.3), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  assert.throws(() => quantile([1], 1.5), RangeError);
  assert.throws(() => median([1, NaN]), /NaN at index 1/);
  assert.deepEqual(minMax([3, -2, 8, 0]), { min: -2, max: 8 });
  assert.deepEqual(minMax([]), { min: NaN, max: NaN });
});

test("ranks: average ranks for ties", () => {
  assert.deepEqual([...ranks([10, 20, 20, 5, 20])], [2, 4, 4, 1, 4]);
  assert.deepEqual([...ranks([1, 1])], [1.5, 1.5]);
});

test("pearson: perfect lines, a hand example, constant samples, length mismatch", () => {
  close(pearson([1, 2, 3], [2, 4, 6]), 1);
  close(pearson([1, 2, 3], [3, 2, 1]), -1);
  // x = 1..5, y = 2,4,5,4,5: Sxy = 6, Sxx = 10, Syy = 6 → r = 6 / sqrt(60)
  close(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]), 6 / Math.sqrt(60));
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(pearson([1], [1])));
  assert.throws(() => pearson([1, 2], [1]), RangeError);
});

test("spearman: hand example with ties", () => {
  // x ranks 1, 2.5, 2.5, 4; y ranks 1, 2, 3, 4 → d = ranks centred: x (-1.5, 0, 0, 1.5), y (-1.5, -0.5, 0.5, 1.5)
  // Sxy = 4.5, Sxx = 4.5, Syy = 5 → rho = 4.5 / sqrt(22.5)
  close(spearman([1, 2, 2, 3], [10, 20, 30, 40]), 4.5 / Math.sqrt(22.5));
  // y ranks 1, 2, 3.5, 5, 3.5: Sxy = 8, Sxx = 10, Syy = 9.5 → rho = 8 / sqrt(95)
  close(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 8 / Math.sqrt(95));
  close(spearman([1, 2, 3], [1, 8, 27]), 1);
});

/** Naive O(n²) average rank: 1 + (#smaller) + (#equal − 1)/2. */
function naiveRanks(xs: number[]): number[] {
  return xs.map((v) => 1 + xs.filter((w) => w < v).length + (xs.filter((w) => w === v).length - 1) / 2);
}

test("spearman equals Pearson of naive ranks (with ties) and 1 − 6Σd²/(n(n²−1)) without ties", () => {
  const rand = mulberry32(11);
  for (let trial = 0; trial < 30; trial++) {
    const n = 5 + Math.floor(rand() * 40);
    const x = Array.from({ length: n }, () => Math.floor(rand() * 8)); // many ties
    const y = x.map((v) => v + Math.floor(rand() * 6));
    close(spearman(x, y), pearson(naiveRanks(x), naiveRanks(y)), 1e-12);
    const u = Array.from({ length: n }, () => rand()), w = u.map((v) => v + 0.3 * rand());
    const ru = naiveRanks(u), rw = naiveRanks(w);
    const d2 = ru.reduce((s, r, i) => s + (r - rw[i]) ** 2, 0);
    close(spearman(u, w), 1 - (6 * d2) / (n * (n * n - 1)), 1e-12);
    // Metamorphic: invariant under strictly increasing maps of either sample.
    close(spearman(u.map(Math.exp), w.map((v) => v ** 3)), spearman(u, w), 1e-12);
  }
});

test("bootstrapMeanInterval: seeded and reproducible, holds the mean, constant data give a point, width ≈ 2·1.96·sd/√n", () => {
  const xs = Array.from({ length: 400 }, (_, i) => (i * 7919) % 101);
  const a = bootstrapMeanInterval(xs, mulberry32(5)), b = bootstrapMeanInterval(xs, mulberry32(5));
  assert.deepEqual(a, b);
  const m = mean(xs);
  assert.ok(a[0] < m && m < a[1]);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  const se = Math.sqrt(ss / (xs.length - 1) / xs.length);
  // The bootstrap's half-width matches the normal one to within 10 % at n = 400 (2,000 resamples).
  assert.ok(Math.abs((a[1] - a[0]) / 2 - 1.96 * se) < 0.1 * 1.96 * se, `${a} vs ±${1.96 * se}`);
  assert.deepEqual(bootstrapMeanInterval([3, 3, 3], mulberry32(1)), [3, 3]);
  assert.deepEqual(bootstrapMeanInterval([], mulberry32(1)), [NaN, NaN]);
});

describe("mannWhitney", () => {
  it("gives U = n_a·n_b and P = 1 when every value of a exceeds every value of b, and U = 0 the other way", () => {
    const a = [5, 6, 7, 8], b = [1, 2, 3];
    assert.equal(mannWhitney(a, b).u, 12);
    assert.equal(mannWhitney(a, b).auc, 1);
    assert.equal(mannWhitney(b, a).u, 0);
  });
  it("counts ties one half and is symmetric: U(a,b) + U(b,a) = n_a·n_b, z(a,b) = −z(b,a)", () => {
    const a = [1, 2, 2, 3, 9], b = [2, 2, 4];
    assert.equal(mannWhitney([1, 1], [1, 1]).u, 2);
    assert.equal(mannWhitney(a, b).u + mannWhitney(b, a).u, 15);
    assert.equal(mannWhitney(a, b).z, -mannWhitney(b, a).z);
    assert.equal(mannWhitney([3, 3], [3, 3, 3]).z, 0, "all tied: no evidence");
  });
  it("matches the textbook normal approximation: n = 20 + 20 fully separated gives z = (200 − 0.5)/√(400·41/12)", () => {
    const a = Array.from({ length: 20 }, (_, i) => 100 + i), b = Array.from({ length: 20 }, (_, i) => i);
    const t = mannWhitney(a, b);
    assert.ok(Math.abs(t.z - 199.5 / Math.sqrt((400 * 41) / 12)) < 1e-12);
    assert.ok(t.p < 1e-7 && t.p > 0);
  });
  it("normalUpperTail agrees with known values of the standard normal within the fit's 1.2e-7 (1.96 → 0.025, 0 → 0.5)", () => {
    assert.ok(Math.abs(normalUpperTail(1.959963985) - 0.025) < 1.2e-7 * 0.05);
    assert.ok(Math.abs(normalUpperTail(0) - 0.5) < 1.2e-7);
    assert.ok(Math.abs(normalUpperTail(-1) - 0.8413447461) < 1.2e-7);
  });
});
