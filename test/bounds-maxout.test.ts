import { test } from "node:test";
import assert from "node:assert/strict";
import {
  allBounds, maxoutHyperplanesPerUnit, maxoutPatternBound, montufar2014MaxoutLower, montufar2017, serra2018MaxoutUpper,
  serra2018Upper,
} from "../src/bounds/index.ts";
import { mulberry32 } from "../src/util/random.ts";

function sweep(count: number, seed: number) {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const L = 1 + Math.floor(rand() * 4);
    return { n0: 1 + Math.floor(rand() * 8), widths: Array.from({ length: L }, () => 1 + Math.floor(rand() * 10)), k: 2 + Math.floor(rand() * 4) };
  });
}

test("a rank-k maxout unit has k(k−1)/2 comparison hyperplanes", () => {
  assert.deepEqual([2, 3, 4, 10].map(maxoutHyperplanesPerUnit), [1, 3, 6, 45]);
});

test("Serra et al. 2018 maxout bound by hand", () => {
  // One rank-3 unit on a line: 3 hyperplanes in R^1 → 1 + 3.
  assert.equal(serra2018MaxoutUpper(1, [1], 3), 4n);
  // Two rank-3 units in the plane: 6 hyperplanes in R^2 → 1 + 6 + 15.
  assert.equal(serra2018MaxoutUpper(2, [2], 3), 22n);
  // Widths 2,1 over R^2, rank 3: d = (2, 1): 22 · (1 + 3).
  assert.equal(serra2018MaxoutUpper(2, [2, 1], 3), 88n);
  // k^N and the Montúfar et al. 2014 lower bound k^(L−1+n0).
  assert.equal(maxoutPatternBound([2, 3], 2), 32n);
  assert.deepEqual(montufar2014MaxoutLower(2, [2, 2], 3), { value: 27n });
});

test("maxout k = 2: the bound is Montúfar 2017's rectifier bound, which Theorem 1 tightens (Serra et al. 2018, Section 4)", () => {
  // With k = 2 the factor k(k−1)/2 is 1, so the maxout bound is ∏ Σ_{j≤d_l} C(n_l, j) — the rectifier bound of
  // Montúfar 2017 without the dimension drop of zeroed (inactive) ReLUs, which maxout units do not have. A rank-2
  // maxout unit can compute max{0, t}, so the maxout maximum is at least the rectifier one: bound ≥ Theorem 1.
  let strict = 0;
  for (const { n0, widths } of sweep(300, 31)) {
    const mx = serra2018MaxoutUpper(n0, widths, 2);
    assert.equal(mx, montufar2017(n0, widths));
    const s = serra2018Upper(n0, widths);
    assert.ok(s <= mx);
    if (s < mx) strict++;
  }
  assert.ok(strict > 50, `Theorem 1 strictly tighter on only ${strict} architectures`);
  // By hand: 784-2-2: maxout k = 2 gives 4·4 = 16, Theorem 1 gives 11.
  assert.equal(serra2018MaxoutUpper(784, [2, 2], 2), 16n);
});

test("maxout lower bound ≤ both maxout upper bounds where it applies; not applicable below width n0", () => {
  let applied = 0;
  for (const { n0, widths, k } of sweep(400, 32)) {
    const lower = montufar2014MaxoutLower(n0, widths, k);
    if (lower.value === null) {
      assert.match((lower as { notApplicable: string }).notApplicable, /n_l ≥ n0/);
      continue;
    }
    applied++;
    assert.ok(lower.value <= serra2018MaxoutUpper(n0, widths, k), `${n0}|${widths}|k=${k}`);
    assert.ok(lower.value <= maxoutPatternBound(widths, k));
  }
  assert.ok(applied > 50);
});

test("maxout bound with unstable units only: equals the plain one with all unstable, decreases as units stabilise", () => {
  assert.equal(serra2018MaxoutUpper(3, [4, 4], 3, [4, 4]), serra2018MaxoutUpper(3, [4, 4], 3));
  let prev = serra2018MaxoutUpper(3, [4, 4], 3);
  for (const u of [[3, 4], [2, 4], [2, 2], [0, 1], [0, 0]]) {
    const b = serra2018MaxoutUpper(3, [4, 4], 3, u);
    assert.ok(b <= prev, `${u}`);
    prev = b;
  }
  assert.equal(prev, 1n);
});

test("allBounds for maxout lists the maxout rows only", () => {
  const rows = allBounds({ inputDim: 2, widths: [8, 8], activation: { kind: "maxout", rank: 3 } });
  assert.deepEqual(rows.map((r) => r.id), ["serra2018-maxout", "maxout-patterns", "montufar2014-maxout-lower"]);
  assert.equal(rows[0].value, serra2018MaxoutUpper(2, [8, 8], 3));
});
