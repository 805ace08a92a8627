import { test } from "node:test";
import assert from "node:assert/strict";
import { binomial, binomialPrefixSum, binomialRow, log10BigInt } from "../src/bounds/index.ts";

test("small binomials match Pascal's triangle by hand", () => {
  assert.deepEqual(binomialRow(5), [1n, 5n, 10n, 10n, 5n, 1n]);
  assert.equal(binomial(10, 3), 120n);
  assert.equal(binomial(3, 5), 0n);
  assert.equal(binomial(0, 0), 1n);
});

test("Pascal's rule C(n, j) = C(n−1, j−1) + C(n−1, j) holds up to n = 4500 (maxout rows)", () => {
  for (const n of [2, 17, 100, 785, 2000, 4500]) {
    for (const j of [1, 2, Math.floor(n / 3), Math.floor(n / 2), n - 1, n].filter((v) => v >= 1)) {
      assert.equal(binomial(n, j), binomial(n - 1, j - 1) + binomial(n - 1, j), `C(${n}, ${j})`);
    }
  }
});

test("prefix sums: full row gives 2^n, the tail shortcut agrees with direct summation", () => {
  for (const n of [1, 7, 30, 101]) {
    assert.equal(binomialPrefixSum(n, n), 1n << BigInt(n));
    assert.equal(binomialPrefixSum(n, n + 5), 1n << BigInt(n));
    for (let d = 0; d <= n; d++) {
      let direct = 0n;
      for (let j = 0; j <= d; j++) direct += binomial(n, j);
      assert.equal(binomialPrefixSum(n, d), direct, `Σ_{j≤${d}} C(${n}, j)`);
    }
  }
});

test("C(4500, 784) fits the identity C(n, j)·(n − j) = C(n, j + 1)·(j + 1)", () => {
  assert.equal(binomial(4500, 784) * 3716n, binomial(4500, 785) * 785n);
});

test("log10 of BigInt is exact for powers of ten and accurate for huge powers of two", () => {
  assert.equal(log10BigInt(1n), 0);
  assert.equal(log10BigInt(0n), -Infinity);
  for (const e of [1, 15, 16, 17, 18, 19, 20, 300, 5000, 100000]) {
    assert.ok(Math.abs(log10BigInt(10n ** BigInt(e)) - e) <= 1e-12 * e, `10^${e}`);
  }
  const l = log10BigInt(1n << 2000n);
  assert.ok(Math.abs(l - 2000 * Math.log10(2)) < 1e-11, `2^2000 → ${l}`);
  assert.ok(Math.abs(log10BigInt(4194304n) - 22 * Math.log10(2)) < 1e-14);
  assert.throws(() => log10BigInt(-1n), RangeError);
});
