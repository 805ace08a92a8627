import assert from "node:assert/strict";
import { describe, it, before } from "node:test";
import { LPStatus, MarginLP, PRIMAL_TOL } from "../src/lp/margin-lp.ts";
import { solveMarginWithHighs } from "../src/lp/highs-margin.ts";
import { loadHighs, type Highs } from "../src/lp/highs.ts";
import { gaussian, mulberry32 } from "../src/util/random.ts";

let highs: Highs;
before(async () => {
  highs = await loadHighs();
});

function unitRow(rand: () => number, n0: number): Float64Array {
  const a = new Float64Array(n0);
  let s = 0;
  for (let j = 0; j < n0; j++) {
    a[j] = gaussian(rand);
    s += a[j] * a[j];
  }
  s = Math.sqrt(s);
  for (let j = 0; j < n0; j++) a[j] /= s;
  return a;
}

describe("MarginLP (bounded dual simplex) against HiGHS", () => {
  it("after every added row, the point's margin equals HiGHS's optimum and the dual bound is above it", () => {
    const rand = mulberry32(2024);
    let checked = 0;
    for (const n0 of [1, 2, 3, 7, 30, 200, 784]) {
      for (let trial = 0; trial < (n0 >= 200 ? 3 : 12); trial++) {
        const lo = new Float64Array(n0).fill(n0 > 50 ? 0 : -1), hi = new Float64Array(n0).fill(1);
        const m = 1 + Math.floor(rand() * 22);
        let diam = 0;
        for (let j = 0; j < n0; j++) diam += (hi[j] - lo[j]) ** 2;
        const lp = new MarginLP(lo, hi, m, Math.sqrt(diam));
        const rows: Float64Array[] = [], rhs: number[] = [];
        for (let i = 0; i < m; i++) {
          const a = unitRow(rand, n0), b = gaussian(rand) * (n0 > 50 ? 3 : 0.7);
          rows.push(a);
          rhs.push(b);
          lp.addRow(a, b);
          assert.equal(lp.solve(), LPStatus.Optimal);
          const flat = new Float64Array(rows.length * n0);
          rows.forEach((r, k) => flat.set(r, k * n0));
          const ref = solveMarginWithHighs(highs, flat, Float64Array.from(rhs), rows.length, { lo, hi });
          const x = lp.point(new Float64Array(n0));
          const margin = Math.min(lp.marginOf(x), Math.sqrt(diam)); // t is capped at the box diameter
          assert.ok(margin <= ref.t + 1e-9, `a point cannot beat the optimum (${margin} > ${ref.t})`);
          assert.ok(lp.dualBound() + lp.perturbationError >= ref.t - 1e-9, "the dual bound bounds the optimum");
          assert.ok(Math.abs(margin - ref.t) < 1e-7, `optimal up to the perturbation (${margin} vs ${ref.t})`);
          checked++;
        }
      }
    }
    assert.ok(checked > 150);
  });

  it("stops early with Below exactly when the optimum is under the stop value", () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 40; trial++) {
      const n0 = 5, lo = new Float64Array(n0).fill(-1), hi = new Float64Array(n0).fill(1);
      const lp = new MarginLP(lo, hi, 8, 10);
      const rows: Float64Array[] = [], rhs: number[] = [];
      for (let i = 0; i < 6; i++) {
        const a = unitRow(rand, n0), b = gaussian(rand);
        rows.push(a);
        rhs.push(b);
        lp.addRow(a, b);
      }
      const flat = new Float64Array(6 * n0);
      rows.forEach((r, k) => flat.set(r, k * n0));
      const ref = solveMarginWithHighs(highs, flat, Float64Array.from(rhs), 6, { lo, hi });
      const stop = 0.05;
      const status = lp.solve(stop);
      if (status === LPStatus.Below) assert.ok(ref.t <= stop + 1e-12);
      else assert.ok(lp.marginOf(lp.point(new Float64Array(n0))) > stop - 1e-7 || ref.t <= stop + 1e-7);
    }
  });

  it("restore brings back the saved LP exactly (depth-first search relies on it)", () => {
    const rand = mulberry32(9);
    const n0 = 4, lo = new Float64Array(n0).fill(-1), hi = new Float64Array(n0).fill(1);
    const lp = new MarginLP(lo, hi, 6, 10);
    lp.addRow(unitRow(rand, n0), -0.2);
    lp.solve();
    const t0 = lp.objective(), x0 = lp.point(new Float64Array(n0));
    lp.save(0);
    lp.addRow(unitRow(rand, n0), 0.3);
    lp.addRow(unitRow(rand, n0), 0.1);
    lp.solve();
    lp.restore(0);
    assert.equal(lp.m, 1);
    assert.equal(lp.objective(), t0);
    assert.deepEqual(lp.point(new Float64Array(n0)), x0);
  });

  it("a row added after restore is priced as in an LP that never had the dropped rows (same pivots, same point)", () => {
    // The pricing's Gram matrix of the rows is kept across solves; rows dropped by restore must not leave stale entries.
    const rand = mulberry32(33);
    const n0 = 60, lo = new Float64Array(n0), hi = new Float64Array(n0).fill(1);
    const base = Array.from({ length: 5 }, () => unitRow(rand, n0));
    const dropped = Array.from({ length: 4 }, () => unitRow(rand, n0));
    const later = Array.from({ length: 4 }, () => unitRow(rand, n0));
    const a = new MarginLP(lo, hi, 12, 10), b = new MarginLP(lo, hi, 12, 10);
    for (const lp of [a, b]) {
      base.forEach((r, i) => lp.addRow(r, 0.5 + 0.1 * i));
      lp.solve();
      lp.save(0);
    }
    dropped.forEach((r) => a.addRow(r, 1.5));
    a.solve();
    a.restore(0);
    for (const lp of [a, b]) later.forEach((r, i) => lp.addRow(r, 1.2 + 0.2 * i));
    const before = [a.iterations, b.iterations];
    assert.equal(a.solve(), b.solve());
    assert.ok(b.iterations - before[1] > 0, "the later rows take pivots");
    assert.equal(a.iterations - before[0], b.iterations - before[1]);
    assert.deepEqual(a.point(new Float64Array(n0)), b.point(new Float64Array(n0)));
  });

  it("with equality rows the point lies on their hyperplanes, its margin is HiGHS's optimum, and restore drops them", () => {
    const rand = mulberry32(77);
    let checked = 0;
    for (const n0 of [3, 7, 30, 784]) {
      for (let trial = 0; trial < (n0 === 784 ? 4 : 10); trial++) {
        const lo = new Float64Array(n0).fill(0), hi = new Float64Array(n0).fill(1);
        const m = 1 + Math.floor(rand() * 16), k = 1 + Math.floor(rand() * Math.min(4, n0 - 1));
        const lp = new MarginLP(lo, hi, m + k + 1, Math.sqrt(n0));
        // Hyperplanes through a point of the box (so the equalities can hold) and rows of either sign around it.
        const x0 = Float64Array.from({ length: n0 }, () => 0.2 + 0.6 * rand());
        const rows: Float64Array[] = [], rhs: number[] = [];
        const push = (margin: number) => {
          const a = unitRow(rand, n0);
          let ax = 0;
          for (let j = 0; j < n0; j++) ax += a[j] * x0[j];
          rows.push(a);
          rhs.push(ax - margin);
        };
        for (let i = 0; i < m; i++) push(0.05 * gaussian(rand) + 0.02);
        for (let i = 0; i < m; i++) lp.addRow(rows[i], rhs[i]);
        lp.solve();
        lp.save(0);
        for (let i = 0; i < k; i++) push(0);
        for (let i = m; i < m + k; i++) lp.addEquality(rows[i], rhs[i]);
        const status = lp.solve();
        const flat = new Float64Array((m + k) * n0);
        rows.forEach((r, i) => flat.set(r, i * n0));
        const ref = solveMarginWithHighs(highs, flat, Float64Array.from(rhs), m + k, { lo, hi }, k);
        assert.equal(status, LPStatus.Optimal);
        const x = lp.point(new Float64Array(n0)), g = new Float64Array(m + k);
        lp.margins(x, g);
        for (let i = m; i < m + k; i++) assert.ok(Math.abs(g[i]) < 1e-9, `equality ${i - m} off by ${g[i]}`);
        const margin = Math.min(...g.subarray(0, m));
        assert.ok(Math.abs(margin - ref.t) < 1e-7, `n0 = ${n0}: ${margin} vs HiGHS ${ref.t}`);
        // Restoring drops the equalities: a plain row added next solves as without them.
        lp.restore(0);
        const extra = unitRow(rand, n0);
        lp.addRow(extra, -0.1);
        assert.equal(lp.solve(), LPStatus.Optimal);
        const flat2 = new Float64Array((m + 1) * n0);
        rows.slice(0, m).forEach((r, i) => flat2.set(r, i * n0));
        flat2.set(extra, m * n0);
        const ref2 = solveMarginWithHighs(highs, flat2, Float64Array.from([...rhs.slice(0, m), -0.1]), m + 1, { lo, hi });
        const x2 = lp.point(new Float64Array(n0));
        assert.ok(Math.abs(Math.min(lp.marginOf(x2), Math.sqrt(n0)) - ref2.t) < 1e-7);
        checked++;
      }
    }
    assert.equal(checked, 34);
  });
});

describe("MarginLP's dual bound without the rows whose activities are basic", () => {
  it("a Below answer with equality rows still holds, by HiGHS, with only the equalities whose activities are nonbasic", () => {
    const rand = mulberry32(515);
    const thr = 1e-8;
    let strict = 0, below = 0;
    for (const n0 of [5, 12, 40, 784]) {
      for (let trial = 0; trial < (n0 === 784 ? 6 : 25); trial++) {
        const lo = new Float64Array(n0).fill(0), hi = new Float64Array(n0).fill(1);
        const m = 2 + Math.floor(rand() * 10), k = 2 + Math.floor(rand() * Math.min(5, n0 - 2));
        const lp = new MarginLP(lo, hi, m + k, Math.sqrt(n0));
        const x0 = Float64Array.from({ length: n0 }, () => 0.2 + 0.6 * rand());
        const rows: Float64Array[] = [], rhs: number[] = [];
        // A cell around x0, then k hyperplanes at random distances from x0: some of their flats miss the cell.
        for (let i = 0; i < m + k; i++) {
          const a = unitRow(rand, n0);
          let ax = 0;
          for (let j = 0; j < n0; j++) ax += a[j] * x0[j];
          rows.push(a);
          rhs.push(i < m ? ax - 0.05 * (0.2 + rand()) : ax + 0.3 * gaussian(rand));
        }
        for (let i = 0; i < m; i++) lp.addRow(rows[i], rhs[i]);
        lp.solve();
        lp.save(0);
        for (let i = m; i < m + k; i++) lp.addEquality(rows[i], rhs[i]);
        if (lp.solve(thr) !== LPStatus.Below) continue;
        below++;
        const kept: number[] = [];
        for (let r = 0; r < k; r++) if (!lp.rowIsBasic(m + r)) kept.push(m + r);
        assert.ok(kept.length > 0, "an empty set of equalities cannot bound the cell's margin");
        if (kept.length < k) strict++;
        const flat = new Float64Array((m + kept.length) * n0), b: number[] = [];
        [...Array(m).keys(), ...kept].forEach((i, at) => {
          flat.set(rows[i], at * n0);
          b.push(rhs[i]);
        });
        const ref = solveMarginWithHighs(highs, flat, Float64Array.from(b), m + kept.length, { lo, hi }, kept.length);
        assert.ok(!(ref.t > thr + 1e-9), `n0 = ${n0}: without the basic ones the margin reaches ${ref.t}`);
      }
    }
    assert.ok(below >= 20 && strict >= 5, `${below} Below answers, ${strict} of them shrunk`);
  });
});

describe("MarginLP's bound-flipping ratio test", () => {
  it("flips exactly the candidates below the entering ratio and picks the one a full sort would, over many passes", () => {
    const rand = mulberry32(4242);
    const n0 = 3000;
    const lp = new MarginLP(new Float64Array(n0), new Float64Array(n0).fill(1), 1, 10);
    // The test reaches into the solver's buffers: candidates c < nc with column cand[c], ratio, drop and alpha.
    const s = lp as unknown as {
      cand: Int32Array; ratio: Float64Array; drop: Float64Array; alpha: Float64Array; order: Int32Array; flips: number;
      boundFlippingRatioTest(nc: number, slope: number): number;
    };
    let multiPass = 0, allFlip = 0;
    for (let trial = 0; trial < 400; trial++) {
      const nc = 1 + Math.floor(rand() * 2500);
      const cols = Array.from({ length: n0 }, (_, j) => j).sort(() => rand() - 0.5).slice(0, nc);
      // Distinct ratios (spaced far above RATIO_TIE), a tenth of them 0 for the tie at zero, random drops.
      const ratios = Array.from({ length: nc }, (_, c) => (rand() < 0.1 ? 0 : (c + 1) * 1e-6 * (1 + rand() * 0.5)));
      let zeroSeen = false;
      for (let c = 0; c < nc; c++) {
        if (ratios[c] === 0) {
          if (zeroSeen) ratios[c] = 1e-3 + c * 1e-9; // keep one zero only: ties are a separate matter
          zeroSeen = true;
        }
        s.cand[c] = cols[c];
        s.ratio[c] = ratios[c];
        s.drop[c] = rand() * 0.02;
        s.alpha[cols[c]] = 0.5 + rand();
      }
      const total = Array.from(s.drop.subarray(0, nc)).reduce((a, b) => a + b, 0);
      const slope = rand() < 0.1 ? total * 2 : rand() * total;
      // Reference: every candidate in increasing ratio, flipping while the slope stays above the tolerance.
      const order = Array.from({ length: nc }, (_, c) => c).sort((a, b) => s.ratio[a] - s.ratio[b]);
      let left = slope, want = -1;
      const flipped: number[] = [];
      for (const c of order) {
        if (left - s.drop[c] > PRIMAL_TOL) {
          left -= s.drop[c];
          flipped.push(s.cand[c]);
          continue;
        }
        want = s.cand[c];
        break;
      }
      const q = s.boundFlippingRatioTest(nc, slope);
      assert.equal(q, want, `trial ${trial}: entering column`);
      if (q >= 0) {
        assert.deepEqual([...s.order.subarray(0, s.flips)].sort((a, b) => a - b), flipped.sort((a, b) => a - b));
      } else allFlip++;
      if (flipped.length > 64) multiPass++;
    }
    assert.ok(multiPass > 20 && allFlip > 10, `multi-pass ${multiPass}, all flip ${allFlip}`);
  });
});
