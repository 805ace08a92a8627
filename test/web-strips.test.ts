import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { interiorPointOf, isUnitEdge, polygonArea, SeamDegenerate, type PlanarPartition, type PlanarRegion } from "../src/index.ts";
import { rectDomain } from "../src/geometry/slice.ts";
import { verifyPartition } from "../src/geometry/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { patternToString } from "../src/model/evaluate.ts";
import type { Network } from "../src/model/network.ts";
import { packPartition, type PackedPartition } from "../web/src/partition/packed.ts";
import { joinStrips, packStrip, stripPicture } from "../web/src/partition/strips.ts";
import { fixtureBytes } from "./helpers/fixtures.ts";
import { dense, randomNet } from "./helpers/nets.ts";

const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };

/** A packed partition as the core's partition (regions then slivers), to run the independent verifier on it. */
function unpack(p: PackedPartition): PlanarPartition {
  const polys: PlanarRegion[] = [];
  for (let k = 0; k + 1 < p.polyStart.length; k++) {
    const a = p.polyStart[k], b = p.polyStart[k + 1];
    const polygon = p.coords.slice(2 * a, 2 * b), edges = p.labels.slice(a, b);
    const { point, radius } = interiorPointOf(polygon, edges, b - a, p.threshold, isUnitEdge);
    const o = p.outputs;
    polys.push({ polygon, edges, pattern: p.patterns.slice(k * p.units, (k + 1) * p.units), output: { rows: o, cols: 2, J: p.J.slice(2 * o * k, 2 * o * (k + 1)), c: p.c.slice(o * k, o * (k + 1)) }, area: polygonArea(polygon, b - a), point, radius });
  }
  const domain = rectDomain(p.rect);
  return { domain, domainArea: polygonArea(domain.poly, 4), regions: polys.slice(0, p.regions), slivers: polys.slice(p.regions), threshold: p.threshold, units: p.units, peakPieces: 0 };
}

const patternSet = (p: PackedPartition, from: number, to: number) => {
  const out: string[] = [];
  for (let k = from; k < to; k++) out.push(patternToString(p.patterns.subarray(k * p.units, (k + 1) * p.units)));
  return out.sort();
};

/** Sum of cell areas per class (the class fill of the picture). */
function classAreas(p: PackedPartition): number[] {
  const areas: number[] = [];
  for (let q = 0; q < p.cellClass.length; q++) {
    const a = p.cellStart[q], b = p.cellStart[q + 1];
    areas[p.cellClass[q]] = (areas[p.cellClass[q]] ?? 0) + polygonArea(p.cellCoords.subarray(2 * a, 2 * b), b - a);
  }
  return areas;
}

/** Boundary length per polyline set (the class boundary drawn). */
function lineLength(p: PackedPartition): number {
  let t = 0;
  for (let k = 0; k + 1 < p.lineStart.length; k++) {
    for (let i = p.lineStart[k]; i + 1 < p.lineStart[k + 1]; i++) t += Math.hypot(p.lineCoords[2 * i + 2] - p.lineCoords[2 * i], p.lineCoords[2 * i + 3] - p.lineCoords[2 * i + 1]);
    if (p.lineClosed[k]) {
      const a = p.lineStart[k], b = p.lineStart[k + 1] - 1;
      t += Math.hypot(p.lineCoords[2 * a] - p.lineCoords[2 * b], p.lineCoords[2 * a + 1] - p.lineCoords[2 * b + 1]);
    }
  }
  return t;
}

/** The two workers' strips joined equal one worker's packed partition; the verifier passes on the join. */
function assertJoinEqualsWhole(net: Network, rect: typeof square, seam: number): PackedPartition {
  const whole = packPartition(net, rect);
  const left = packStrip(net, rect, seam, 0), right = packStrip(net, rect, seam, 1);
  const { merged } = joinStrips(left, right, rect, seam, 0.01);
  assert.equal(merged.regions, whole.regions, "regions");
  assert.equal(merged.slivers, whole.slivers, "slivers");
  assert.deepEqual(patternSet(merged, 0, merged.regions), patternSet(whole, 0, whole.regions), "region patterns");
  assert.equal(merged.boundaryPieces, whole.boundaryPieces, "class-boundary pieces");
  assert.equal(merged.lineStart.length, whole.lineStart.length, "polylines");
  assert.ok(Math.abs(lineLength(merged) - lineLength(whole)) <= 1e-9, `boundary length ${lineLength(merged)} vs ${lineLength(whole)}`);
  const [ma, wa] = [classAreas(merged), classAreas(whole)];
  assert.equal(ma.length, wa.length);
  ma.forEach((a, i) => assert.ok(Math.abs(a - wa[i]) <= 1e-9, `class ${i} area ${a} vs ${wa[i]}`));
  assert.deepEqual(merged.rect, rect);
  const report = verifyPartition(net, unpack(merged));
  assert.ok(report.ok, report.problems.join("\n"));
  return merged;
}

describe("the explorer's view in two strips (two workers), joined", () => {
  it("random-2-32-32-s5: 1,557 regions, same patterns, boundary pieces, polylines and class areas as one worker", () => {
    const net = parseOnnx(fixtureBytes("random-2-32-32-s5"), "random-2-32-32-s5");
    const merged = assertJoinEqualsWhole(net, square, 0.0123);
    assert.equal(merged.regions, 1557);
  });

  it("seeded random nets (ReLU, leaky ReLU, maxout, one output) over two rectangles and seams", () => {
    const acts = [{ kind: "relu" }, { kind: "leaky-relu", alpha: 0.2 }, { kind: "maxout", rank: 2 }] as const;
    for (let seed = 1; seed <= 6; seed++) {
      const act = acts[seed % 3];
      const net = randomNet(200 + seed, 2, act.kind === "maxout" ? [6, 6] : [16, 12], seed === 4 ? 1 : 3, act);
      assertJoinEqualsWhole(net, square, -0.2 + 0.07 * seed);
      assertJoinEqualsWhole(net, { umin: 0.25, umax: 3.5, vmin: -2, vmax: -0.5 }, 1.9);
    }
  });

  it("a seam through a vertex of the arrangement gives the one-worker partition", () => {
    const net: Network = {
      inputDim: 2,
      layers: [dense(2, 3, [1, -1, 1, 1, 0, 1], [0, 0, -0.5], { kind: "relu" }), dense(3, 2, [1, -2, 0.5, -1, 1, 3], [0.1, -0.2], { kind: "identity" })],
    };
    assertJoinEqualsWhole(net, square, 0);
    assertJoinEqualsWhole(net, square, 0.5);
  });

  it("a seam along a hyperplane throws SeamDegenerate (the explorer then partitions the view in one worker)", () => {
    const net: Network = {
      inputDim: 2,
      layers: [dense(2, 3, [1, 0, 1, 1, -1, 2], [-0.25, 0.1, 0.3], { kind: "relu" }), dense(3, 2, [1, -1, 2, 0.5, 1, -1], [0, 0.2], { kind: "identity" })],
    };
    const left = packStrip(net, square, 0.25, 0), right = packStrip(net, square, 0.25, 1);
    assert.throws(() => joinStrips(left, right, square, 0.25, 0.01), SeamDegenerate);
  });

  it("each strip's picture holds its own polygons but the joined ones, the joined ones, and the other's near the seam", () => {
    const net = parseOnnx(fixtureBytes("random-2-32-32-s5"), "random-2-32-32-s5");
    const seam = 0.0123;
    const left = packStrip(net, square, seam, 0), right = packStrip(net, square, seam, 1);
    const { merged, paint } = joinStrips(left, right, square, seam, 0.01);
    const own = [left, right];
    paint.forEach((pt, s) => {
      const pic = stripPicture(own[s], pt, merged);
      const n = pic.polyStart.length - 1;
      assert.equal(n, own[s].polyStart.length - 1 - pt.dropped.length + pt.extra.polyStart.length - 1);
      assert.ok(pt.joined > 0 && pt.dropped.length === pt.joined, "every joined polygon had a piece in each strip");
      assert.equal(pt.polygons, merged.polyStart.length - 1);
      assert.equal(pic.lineStart.length, merged.lineStart.length);
      // The class cells tile the picture's polygons (each polygon is split into its class cells).
      let polys = 0, cells = 0;
      for (let k = 0; k < n; k++) polys += polygonArea(pic.coords.subarray(2 * pic.polyStart[k], 2 * pic.polyStart[k + 1]), pic.polyStart[k + 1] - pic.polyStart[k]);
      for (let q = 0; q + 1 < pic.cellStart.length; q++) cells += polygonArea(pic.cellCoords.subarray(2 * pic.cellStart[q], 2 * pic.cellStart[q + 1]), pic.cellStart[q + 1] - pic.cellStart[q]);
      assert.ok(Math.abs(polys - cells) <= 1e-9 * polys, `cells ${cells} vs polygons ${polys}`);
      // Only what the colouring reads: no patterns or maps for class colours.
      const lean = stripPicture(own[s], pt, merged, { patterns: false, maps: false });
      assert.equal(lean.patterns.length, 0);
      assert.deepEqual(lean.coords, pic.coords);
      assert.deepEqual(lean.cellCoords, pic.cellCoords);
    });
  });
});
