import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parseOnnx } from "../src/io/onnx.ts";
import { createQuietModel, loadHighs, type Highs } from "../src/lp/highs.ts";
import { evaluate, patternToString } from "../src/model/evaluate.ts";
import { uniformBox, type Box, type Network } from "../src/model/network.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { ACTIVE_SET_MAX_DIM, projectOntoPolyhedron } from "../src/local/projection.ts";
import { goldfarbIdnani } from "../src/local/goldfarb-idnani.ts";
import { polyhedronDistance } from "../src/local/polyhedron-distance.ts";
import { distanceToRegionBoundary, nearestRegionBoundary } from "../src/local/region-boundary.ts";
import { distanceToClassBoundary } from "../src/local/class-boundary.ts";
import { normOf, type BallNorm } from "../src/local/ball.ts";
import { gaussian, mulberry32 } from "../src/util/random.ts";
import { expectedOf, fixtureBytes } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";
import { clipConvex, polygonDistance } from "./helpers/local-oracle.ts";

let highs: Highs;
before(async () => {
  highs = await loadHighs();
});

/** A random polyhedron {A x ≥ b} around x0 in the box [−1, 1]^n, often empty, sometimes containing x0. */
function randomProblem(rand: () => number, n: number, m: number) {
  const x0 = Float64Array.from({ length: n }, () => 1.6 * rand() - 0.8);
  const A = Float64Array.from({ length: m * n }, () => gaussian(rand));
  const b = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * x0[j];
    b[i] = s + (rand() - 0.4) * Math.sqrt(n);
  }
  return { x0, A, b, lo: new Float64Array(n).fill(-1), hi: new Float64Array(n).fill(1) };
}

/** HiGHS's QP: min ½‖x − x0‖² over {A x ≥ b, lo ≤ x ≤ hi}; undefined when it reports the QP infeasible. */
function highsProjection(x0: Float64Array, A: Float64Array, b: Float64Array, lo: Float64Array, hi: Float64Array): number | undefined {
  const n = x0.length, m = b.length;
  const model = createQuietModel(highs);
  try {
    const starts = Int32Array.from({ length: m + 1 }, (_, i) => i * n), indices = Int32Array.from({ length: m * n }, (_, k) => k % n);
    model.passModel({
      numCols: n, numRows: m, sense: highs.constants.objectiveSense.minimize, colCost: x0.map((v) => -v), colLower: lo, colUpper: hi,
      rowLower: b, rowUpper: new Float64Array(m).fill(highs.infinity), matrix: { format: "csr", numRows: m, numCols: n, starts, indices, values: A },
      hessian: { format: "triangular", dimension: n, starts: Int32Array.from({ length: n + 1 }, (_, j) => j), indices: Int32Array.from({ length: n }, (_, j) => j), values: new Float64Array(n).fill(1) },
    });
    model.run();
    if (model.getModelStatus() !== highs.constants.modelStatus.optimal) return undefined;
    const x = model.getSolution().colValue;
    let s = 0;
    for (let j = 0; j < n; j++) s += (x[j] - x0[j]) ** 2;
    return Math.sqrt(s);
  } finally {
    model.dispose();
  }
}

describe("projection onto a polyhedron", () => {
  it("agrees with HiGHS's QP (active-set path, small dimensions); empty polyhedra are proven empty", () => {
    const rand = mulberry32(3);
    let solved = 0, empty = 0;
    for (let t = 0; t < 150; t++) {
      const n = 1 + Math.floor(rand() * 8), m = 1 + Math.floor(rand() * 14);
      const { x0, A, b, lo, hi } = randomProblem(rand, n, m);
      const ref = highsProjection(x0, A, b, lo, hi);
      const r = projectOntoPolyhedron(x0, A, b, m, lo, hi);
      if (ref === undefined) {
        assert.equal(r.lower, Infinity, `trial ${t}: HiGHS says empty`);
        empty++;
        continue;
      }
      assert.ok(r.converged, `trial ${t}`);
      // HiGHS's QP is accurate to ~1e-7 here; the certified bounds bracket the true distance to round-off.
      assert.ok(Math.abs(r.upper - ref) < 1e-6, `trial ${t}: ${r.upper} vs HiGHS ${ref}`);
      assert.ok(r.lower <= r.upper + 1e-12 && r.upper - r.lower < 1e-9 * (1 + r.upper));
      solved++;
    }
    assert.ok(solved > 40 && empty > 10, `${solved} solved, ${empty} empty`);
  });

  it("the dual Newton path (high dimensions) agrees with the Goldfarb–Idnani active-set method", () => {
    const rand = mulberry32(8);
    const n = ACTIVE_SET_MAX_DIM + 36;
    let solved = 0;
    for (let t = 0; t < 12; t++) {
      const m = 2 + Math.floor(rand() * 10);
      const { x0, A, b, lo, hi } = randomProblem(rand, n, m);
      const r = projectOntoPolyhedron(x0, A, b, m, lo, hi);
      // The same problem for Goldfarb–Idnani: unit rows, box bounds as constraints.
      const C: number[] = [], d: number[] = [];
      for (let i = 0; i < m; i++) {
        const row = A.subarray(i * n, (i + 1) * n), norm = normOf(row, "2");
        row.forEach((v) => C.push(v / norm));
        d.push(b[i] / norm);
      }
      for (let j = 0; j < n; j++) {
        for (const s of [1, -1]) {
          for (let k = 0; k < n; k++) C.push(k === j ? s : 0);
          d.push(s > 0 ? lo[j] : -hi[j]);
        }
      }
      const gi = goldfarbIdnani(x0, Float64Array.from(C), Float64Array.from(d), d.length);
      if (gi.status === "infeasible") {
        assert.equal(r.lower, Infinity, `trial ${t}`);
        continue;
      }
      assert.equal(gi.status, "optimal");
      const want = normOf(gi.x.map((v, j) => v - x0[j]), "2");
      assert.ok(r.converged && Math.abs(r.upper - want) < 1e-9 && r.lower <= want + 1e-9, `trial ${t}: ${r.lower} ${r.upper} vs ${want}`);
      solved++;
    }
    assert.ok(solved >= 4);
  });

  it("closed forms: one half-space in a large box, and the box alone", () => {
    const x0 = Float64Array.of(0.5, -0.25, 2);
    const lo = new Float64Array(3).fill(-10), hi = new Float64Array(3).fill(10);
    // 3x − 4y ≥ 10 is 10 − (1.5 + 1) = 7.5 away in value, 7.5 / 5 = 1.5 in distance.
    const r = projectOntoPolyhedron(x0, Float64Array.of(3, -4, 0), Float64Array.of(10), 1, lo, hi);
    assert.ok(Math.abs(r.lower - 1.5) < 1e-12 && Math.abs(r.upper - 1.5) < 1e-12);
    const box = projectOntoPolyhedron(Float64Array.of(3, 0, -4), new Float64Array(0), new Float64Array(0), 0, Float64Array.of(0, -1, 0), Float64Array.of(1, 1, 1));
    assert.ok(Math.abs(box.upper - Math.hypot(2, 4)) < 1e-12);
  });

  it("a decision question stops early with a certificate on the right side", () => {
    const rand = mulberry32(21);
    for (let t = 0; t < 60; t++) {
      const { x0, A, b, lo, hi } = randomProblem(rand, 3 + (t % 90), 4);
      const full = projectOntoPolyhedron(x0, A, b, 4, lo, hi);
      if (full.lower === Infinity) continue;
      for (const r of [0.5 * full.upper, 1.5 * full.upper + 1e-3]) {
        const d = projectOntoPolyhedron(x0, A, b, 4, lo, hi, { decide: r });
        assert.equal(d.upper < r, full.upper < r, `trial ${t} r=${r}`);
        assert.equal(d.lower >= r, full.upper >= r);
      }
    }
  });

  it("∞-norm distance (HiGHS LP) matches the exact polygon distance in 2-D", () => {
    const rand = mulberry32(4);
    const box: Box = uniformBox(2, -1, 1);
    for (let t = 0; t < 40; t++) {
      const { x0, A, b } = randomProblem(rand, 2, 3);
      let poly: Float64Array = Float64Array.of(-1, -1, 1, -1, 1, 1, -1, 1);
      for (let i = 0; i < 3 && poly.length >= 6; i++) poly = clipConvex(poly, A[2 * i], A[2 * i + 1], -b[i]);
      const d = polyhedronDistance(x0, A, b, 3, box, "inf", { highs });
      const want = poly.length >= 6 ? polygonDistance(poly, x0[0], x0[1], "inf") : Infinity;
      if (want === Infinity) assert.equal(d.lower, Infinity);
      else assert.ok(Math.abs(d.upper - want) < 1e-7 && d.lower <= want + 1e-12, `trial ${t}: ${d.upper} vs ${want}`);
    }
  });
});

function fixture(name: string): { net: Network; box: Box; samples: number[][] } {
  const e = expectedOf(name);
  const net = parseOnnx(fixtureBytes(name), name);
  return { net, box: uniformBox(net.inputDim, e.box[0], e.box[1]), samples: e.samples.map((s) => s.x) };
}

/** The first t along x0 + t·dir where the activation pattern changes (bisection to 1e-12), or Infinity. */
function firstCrossing(net: Network, x0: Float64Array, dir: Float64Array, tMax: number): number {
  const p0 = patternToString(evaluate(net, x0).pattern);
  const at = (t: number) => patternToString(evaluate(net, x0.map((v, j) => v + t * dir[j])).pattern);
  const steps = 400;
  let prev = 0;
  for (let k = 1; k <= steps; k++) {
    const t = (tMax * k) / steps;
    if (at(t) !== p0) {
      let lo = prev, hi = t;
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (at(mid) === p0) lo = mid;
        else hi = mid;
      }
      return hi;
    }
    prev = t;
  }
  return Infinity;
}

describe("distance to the nearest region boundary", () => {
  it("is attained along the nearest unit's normal and never beaten by random directions (both norms)", () => {
    const rand = mulberry32(9);
    for (const name of ["random-2-32-32-s5", "random-3-6-6-6-s4"]) {
      const { net, samples } = fixture(name);
      for (const x of samples.slice(0, 3)) {
        const x0 = Float64Array.from(x);
        for (const norm of ["2", "inf"] as BallNorm[]) {
          const near = nearestRegionBoundary(net, x0, norm);
          assert.equal(near.distance, distanceToRegionBoundary(net, x0, norm));
          // Random unit directions: the pattern cannot change before the distance.
          for (let k = 0; k < 20; k++) {
            const dir = Float64Array.from({ length: net.inputDim }, () => gaussian(rand));
            const unit = dir.map((v) => v / normOf(dir, norm));
            assert.ok(firstCrossing(net, x0, unit, 4 * near.distance) >= near.distance * (1 - 1e-9));
          }
        }
      }
    }
  });

  it("a network whose units never cut near the point has its boundary where the hand computation says", () => {
    // One hidden unit g = 3x − 4y + 1 (2 inputs): from (0, 0) the boundary is 1/5 away in the 2-norm, 1/7 in ∞.
    const net: Network = {
      inputDim: 2,
      layers: [
        { inDim: 2, outDim: 1, weights: Float64Array.of(3, -4), bias: Float64Array.of(1), activation: { kind: "relu" } },
        { inDim: 1, outDim: 2, weights: Float64Array.of(1, -1), bias: Float64Array.of(0, 0), activation: { kind: "identity" } },
      ],
    };
    assert.ok(Math.abs(distanceToRegionBoundary(net, [0, 0], "2") - 0.2) < 1e-15);
    assert.ok(Math.abs(distanceToRegionBoundary(net, [0, 0], "inf") - 1 / 7) < 1e-15);
    assert.equal(nearestRegionBoundary(net, [0, 0], "2", uniformBox(2, -0.5, 0.25)).domainFace, 0.25);
  });
});

describe("distance to the nearest class boundary", () => {
  it("2-D fixtures: equals the exhaustive minimum over every region of the planar partition (both norms)", async () => {
    let finite = 0;
    for (const name of ["random-2-8-8-s1", "random-2-16-s2"]) {
      const { net, box, samples } = fixture(name);
      const partition = planarPartition(net, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
      for (const x of samples) {
        const out = evaluate(net, x).output;
        const c = out[0] >= out[1] ? 0 : 1, o = 1 - c;
        for (const norm of ["2", "inf"] as BallNorm[]) {
          let want = Infinity;
          for (const reg of partition.regions) {
            const J = reg.output.J, k = reg.output.c;
            // f_o − f_c ≥ 0 on the region.
            const piece = clipConvex(reg.polygon, J[o * 2] - J[c * 2], J[o * 2 + 1] - J[c * 2 + 1], k[o] - k[c]);
            if (piece.length >= 6) want = Math.min(want, polygonDistance(piece, x[0], x[1], norm));
          }
          const got = await distanceToClassBoundary(net, x, norm, { domain: box, highs });
          assert.equal(got.exact, true);
          assert.equal(got.predicted, c);
          if (want === Infinity) assert.equal(got.distance, Infinity);
          else {
            assert.ok(Math.abs(got.distance - want) < 1e-7, `${name} ${norm}: ${got.distance} vs ${want}`);
            finite++;
          }
          if (got.point) {
            const f = evaluate(net, got.point).output;
            assert.ok(f[o] - f[c] > -1e-7, "the point found is on the other class's side (or on the boundary)");
          }
        }
      }
    }
    assert.ok(finite >= 8, `${finite} finite distances compared`);
  });

  it("a capped search reports a lower bound (never above the exact distance)", async () => {
    const net = randomNet(77, 3, [8, 8], 3);
    const box = uniformBox(3, -1, 1);
    const x0 = [0.2, -0.1, 0.3];
    const full = await distanceToClassBoundary(net, x0, "2", { domain: box });
    const capped = await distanceToClassBoundary(net, x0, "2", { domain: box, maxRegions: 1 });
    assert.equal(full.exact, true);
    assert.ok(capped.distance <= full.distance + 1e-12);
    if (!capped.exact) assert.ok(capped.upper >= full.distance - 1e-12);
  });
});

describe("Goldfarb–Idnani on nearly dependent constraints", () => {
  it("a violated constraint almost in the span of the active ones (sine 1e-9 to 1e-6) keeps the KKT conditions and agrees with HiGHS", () => {
    const rand = mulberry32(21);
    let checked = 0;
    for (let t = 0; t < 200; t++) {
      const n = 3 + Math.floor(rand() * 4), base = n - 1;
      const rows: number[][] = [];
      for (let i = 0; i < base; i++) rows.push(Array.from({ length: n }, () => gaussian(rand)));
      // Combinations of the first rows, nudged off their span by 1e-9 … 1e-6.
      for (let e = 0; e < 3; e++) {
        const w = Array.from({ length: base }, () => gaussian(rand));
        const eps = 10 ** (-9 + 3 * rand());
        rows.push(Array.from({ length: n }, (_, j) => rows.slice(0, base).reduce((s, r, i) => s + w[i] * r[j], 0) + eps * gaussian(rand)));
      }
      const m = rows.length;
      const x0 = Float64Array.from({ length: n }, () => 0.4 * rand() - 0.2);
      const C: number[] = [], d: number[] = [];
      for (const row of rows) {
        const norm = Math.hypot(...row);
        row.forEach((v) => C.push(v / norm));
        d.push(row.reduce((s, v, j) => s + v * x0[j], 0) / norm + 0.3 * rand()); // x0 violates every row
      }
      for (let j = 0; j < n; j++) {
        for (const s of [1, -1]) {
          for (let k = 0; k < n; k++) C.push(k === j ? s : 0);
          d.push(-2);
        }
      }
      const p = d.length;
      const gi = goldfarbIdnani(x0, Float64Array.from(C), Float64Array.from(d), p);
      const A = Float64Array.from(C.slice(0, m * n)), b = Float64Array.from(d.slice(0, m));
      const lo = new Float64Array(n).fill(-2), hi = new Float64Array(n).fill(2);
      const ref = highsProjection(x0, A, b, lo, hi);
      if (gi.status !== "optimal") {
        assert.equal(ref, undefined, `trial ${t}: ${gi.status}, HiGHS found a point`);
        continue;
      }
      // Stationarity x − x0 = Cᵀu, u ≥ 0, feasibility and complementary slackness.
      for (let j = 0; j < n; j++) {
        let s = gi.x[j] - x0[j];
        for (let i = 0; i < p; i++) s -= gi.u[i] * C[i * n + j];
        assert.ok(Math.abs(s) < 1e-6, `trial ${t}: stationarity residual ${s}`);
      }
      for (let i = 0; i < p; i++) {
        let slack = -d[i];
        for (let j = 0; j < n; j++) slack += C[i * n + j] * gi.x[j];
        assert.ok(slack > -1e-9, `trial ${t}: row ${i} violated by ${-slack}`);
        assert.ok(gi.u[i] >= 0 && gi.u[i] * Math.abs(slack) < 1e-6, `trial ${t}: complementarity on row ${i}`);
      }
      if (ref !== undefined) {
        const dist = Math.hypot(...Array.from(gi.x, (v, j) => v - x0[j]));
        assert.ok(Math.abs(dist - ref) < 1e-5 * (1 + ref), `trial ${t}: ${dist} vs HiGHS ${ref}`);
      }
      checked++;
    }
    assert.ok(checked > 60, `only ${checked} of 200 trials solved`);
  });
});

describe("projection onto thin cells", () => {
  it("slabs of width 1e-9 to 1e-2 between nearly opposite rows (tilts 1e-12 to 1e-4): every bracket closes to 1e-6", () => {
    // Regression: a single Gram–Schmidt pass left Goldfarb–Idnani's step with a component along the active normals,
    // which reported such cells empty or stopped off the optimum, and the wide brackets went to the midpoint guess.
    const rand = mulberry32(5);
    const unit = (v: number[]) => {
      const s = Math.hypot(...v);
      return v.map((x) => x / s);
    };
    let checked = 0;
    for (let t = 0; t < 3000; t++) {
      const n = 3 + Math.floor(rand() * 4);
      const p0 = Array.from({ length: n }, () => 1.6 * rand() - 0.8);
      const rows: number[][] = [], rhs: number[] = [];
      const dotp = (a: number[]) => a.reduce((s, v, j) => s + v * p0[j], 0);
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const a = unit(Array.from({ length: n }, () => gaussian(rand)));
        const tilt = 10 ** (-12 + 8 * rand()), width = 10 ** (-9 + 7 * rand());
        const a2 = unit(a.map((v) => -v + tilt * gaussian(rand)));
        rows.push(a, a2);
        rhs.push(dotp(a) - width * rand(), dotp(a2) - width * rand());
      }
      for (let k = 0; k < 3; k++) {
        const a = unit(Array.from({ length: n }, () => gaussian(rand)));
        rows.push(a);
        rhs.push(dotp(a) - 0.3 * rand());
      }
      const m = rows.length, A = Float64Array.from(rows.flat()), b = Float64Array.from(rhs);
      // p0 is the interior point: keep the cells where its margin is legal for the engine (> 1e-8).
      if (!(Math.min(...rows.map((a, i) => dotp(a) - rhs[i])) > 1e-8)) continue;
      const x0 = Float64Array.from({ length: n }, () => 1.6 * rand() - 0.8);
      const lo = new Float64Array(n).fill(-1), hi = new Float64Array(n).fill(1);
      const r = projectOntoPolyhedron(x0, A, b, m, lo, hi, { interior: p0 });
      // The upper bound's point is feasible to FEASIBILITY_TOL on each row; in a thin wedge that much slack lets it sit
      // a little closer than the true projection, so the bracket may invert by a little more than round-off.
      assert.ok(r.lower <= r.upper + 1e-9 && r.upper - r.lower <= 1e-6, `trial ${t}: bracket [${r.lower}, ${r.upper}]`);
      checked++;
    }
    assert.ok(checked > 500, `only ${checked} cells with a legal margin`);
  });
});
