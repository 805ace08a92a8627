import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DOMAIN_EDGE,
  KEPT_WHOLE,
  chebyshevCenter,
  clipHalfPlane,
  clipLineToPolygon,
  edgeMargin,
  polygonArea,
  polygonCentroid,
  polygonDiameter,
  rectanglePolygon,
} from "../src/geometry/polygon.ts";
import { mulberry32 } from "../src/util/random.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

function clip(poly: Float64Array, labels: Int32Array, ax: number, ay: number, c: number, label: number, strict = false) {
  const n = labels.length, side = new Int8Array(n + 1), out = new Float64Array(2 * (n + 1)), outLabels = new Int32Array(n + 1);
  const m = clipHalfPlane(poly, labels, n, ax, ay, c, label, 1e-12, side, out, outLabels, strict);
  if (m === KEPT_WHOLE) return { m, poly, labels };
  return { m, poly: out.slice(0, 2 * m), labels: outLabels.slice(0, m) };
}

describe("convex polygons on flat arrays", () => {
  const square = rectanglePolygon(-1, 1, -1, 1);

  it("area and centroid: shoelace formula against closed forms (square, right triangle far from the origin)", () => {
    close(polygonArea(square.poly, 4), 4);
    const c = polygonCentroid(square.poly, 4);
    close(c[0], 0);
    close(c[1], 0);
    const tri = Float64Array.of(1e6, 1e6, 1e6 + 3, 1e6, 1e6, 1e6 + 6);
    close(polygonArea(tri, 3), 9, 1e-6);
    const t = polygonCentroid(tri, 3);
    close(t[0], 1e6 + 1, 1e-9);
    close(t[1], 1e6 + 2, 1e-9);
    close(polygonDiameter(square.poly, 4), Math.SQRT2 * 2);
  });

  it("clipping the square by x ≥ 0 keeps the right half, the new edge carries the clip label", () => {
    const { m, poly, labels } = clip(square.poly, square.labels, 1, 0, 0, 7);
    assert.equal(m, 4);
    close(polygonArea(poly, m), 2);
    assert.deepEqual([...labels].sort(), [DOMAIN_EDGE, DOMAIN_EDGE, DOMAIN_EDGE, 7].sort());
    // The labelled edge lies on x = 0.
    const e = labels.indexOf(7), f = (e + 1) % m;
    close(poly[2 * e], 0);
    close(poly[2 * f], 0);
  });

  it("a line through two opposite vertices gives a triangle of three vertices (no duplicated vertex)", () => {
    const { m, poly, labels } = clip(square.poly, square.labels, 1, -1, 0, 3); // keep x ≥ y
    assert.equal(m, 3);
    close(polygonArea(poly, m), 2);
    assert.equal(labels.filter((l) => l === 3).length, 1);
  });

  it("whole, empty, and snapped: a line 1e-14 outside a vertex cuts nothing", () => {
    assert.equal(clip(square.poly, square.labels, 1, 0, 2, 0).m, KEPT_WHOLE);
    assert.equal(clip(square.poly, square.labels, 1, 0, -2, 0).m, 0);
    assert.equal(clip(square.poly, square.labels, 1, 1, -(2 - 1e-14), 0).m, 0); // x + y ≥ 2 − 1e-14: only the corner (1, 1)
    assert.equal(clip(square.poly, square.labels, -1, -1, 2 - 1e-14, 0).m, KEPT_WHOLE); // x + y ≤ 2 − 1e-14
  });

  it("a form with zero gradient is a constant: kept when c ≥ 0 (c > 0 when strict)", () => {
    assert.equal(clip(square.poly, square.labels, 0, 0, 0, 0).m, KEPT_WHOLE);
    assert.equal(clip(square.poly, square.labels, 0, 0, 0, 0, true).m, 0);
    assert.equal(clip(square.poly, square.labels, 0, 0, -1, 0).m, 0);
  });

  it("successive random clips of the square keep it convex and the two sides of a cut add up", () => {
    const rand = mulberry32(11);
    for (let trial = 0; trial < 200; trial++) {
      const ax = rand() - 0.5, ay = rand() - 0.5, c = (rand() - 0.5) * 0.8;
      const a = clip(square.poly, square.labels, ax, ay, c, 1), b = clip(square.poly, square.labels, -ax, -ay, -c, 1);
      const area = (r: { m: number; poly: Float64Array }) => (r.m === KEPT_WHOLE ? 4 : r.m === 0 ? 0 : polygonArea(r.poly, r.m));
      close(area(a) + area(b), 4, 1e-12);
    }
  });

  it("Chebyshev radius: square 1, 3-4-5 triangle's inradius 1, thin rectangle half its width", () => {
    const sq = chebyshevCenter(square.poly, Int32Array.of(0, 0, 0, 0), 4);
    close(sq.radius, 1);
    close(sq.x, 0);
    close(sq.y, 0);
    const tri = chebyshevCenter(Float64Array.of(0, 0, 4, 0, 0, 3), Int32Array.of(0, 0, 0), 3);
    close(tri.radius, (3 + 4 - 5) / 2);
    close(tri.x, 1);
    close(tri.y, 1);
    const thin = rectanglePolygon(0, 4, 0, 1e-9);
    close(chebyshevCenter(thin.poly, Int32Array.of(0, 0, 0, 0), 4).radius, 5e-10, 1e-20);
  });

  it("Chebyshev radius with hard edges: only the bottom edge counts, so the best point is on the top edge", () => {
    // Square [-1, 1]², bottom edge (vertex 0 → 1) soft: max distance to y = −1 within the square is 2.
    const labels = Int32Array.of(5, DOMAIN_EDGE, DOMAIN_EDGE, DOMAIN_EDGE);
    const c = chebyshevCenter(square.poly, labels, 4, (l) => l >= 0);
    close(c.radius, 2);
    close(c.y, 1);
    assert.equal(chebyshevCenter(square.poly, square.labels, 4, (l) => l >= 0).radius, Infinity);
    close(edgeMargin(square.poly, labels, 4, 0.2, 0.5, (l) => l >= 0), 1.5);
  });

  it("Chebyshev radius matches a fine grid search on random convex polygons", () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 20; trial++) {
      let poly = square.poly, labels = square.labels;
      for (let k = 0; k < 4; k++) {
        const r = clip(poly, labels, rand() - 0.5, rand() - 0.5, 0.2 * (rand() - 0.2), k);
        if (r.m !== 0) ({ poly, labels } = r);
      }
      const n = labels.length, all = Int32Array.from({ length: n }, () => 0);
      const exact = chebyshevCenter(poly, all, n).radius;
      let best = 0;
      for (let i = 0; i <= 400; i++) {
        for (let j = 0; j <= 400; j++) best = Math.max(best, edgeMargin(poly, all, n, -1 + i / 200, -1 + j / 200));
      }
      assert.ok(exact >= best - 1e-12 && exact <= best + 0.0075, `trial ${trial}: exact ${exact}, grid ${best}`);
    }
  });
});

describe("lines through convex polygons", () => {
  it("clipLineToPolygon: the diagonal of the square, a line that misses it, and a vertical chord", () => {
    const sq = rectanglePolygon(-1, 1, -1, 1).poly;
    const d = clipLineToPolygon(1, -1, 0, sq, 4)!; // x = y
    assert.deepEqual([Math.min(d[0], d[2]), Math.max(d[0], d[2])], [-1, 1]);
    assert.equal(clipLineToPolygon(1, 0, -3, sq, 4), undefined); // x = 3
    const v = clipLineToPolygon(2, 0, -1, sq, 4)!; // x = 0.5
    close(v[0], 0.5);
    close(Math.abs(v[3] - v[1]), 2);
  });
});
