import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classBoundary } from "../src/geometry/class-boundary.ts";
import { allPolygons, planarPartition, type PlanarPartition, type PlanarRegion } from "../src/geometry/partition.ts";
import { joinSeamPieces, mergeAcrossSeam, planarPartitionInStrips, SeamDegenerate, stripRects } from "../src/geometry/partition-merge.ts";
import { verifyPartition } from "../src/geometry/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { patternToString } from "../src/model/evaluate.ts";
import type { Network } from "../src/model/network.ts";
import { planarPartitionFast } from "../src/skeleton/partition.ts";
import { fixtureBytes } from "./helpers/fixtures.ts";
import { dense, randomNet } from "./helpers/nets.ts";

const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };

/**
 * Point-set distance bound between a polygon and its counterpart: every vertex of each lies within `tol` of the
 * other's boundary or inside it (convex polygons, so this bounds the Hausdorff distance of the point sets).
 */
function outside(poly: Float64Array, x: number, y: number): number {
  const n = poly.length / 2;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const ex = poly[2 * j] - poly[2 * i], ey = poly[2 * j + 1] - poly[2 * i + 1], len = Math.hypot(ex, ey);
    if (len === 0) continue;
    // Signed distance to the right of edge i (outside for a counter-clockwise polygon).
    worst = Math.max(worst, -(ex * (y - poly[2 * i + 1]) - ey * (x - poly[2 * i])) / len);
  }
  return worst;
}
function pointSetGap(a: Float64Array, b: Float64Array): number {
  let gap = 0;
  for (let i = 0; i < a.length; i += 2) gap = Math.max(gap, outside(b, a[i], a[i + 1]));
  for (let i = 0; i < b.length; i += 2) gap = Math.max(gap, outside(a, b[i], b[i + 1]));
  return gap;
}

/** Point sets equal within this (the rectangle's diameter is 2√2): vertices computed in another order of clips differ by round-off. */
const POINT_SET_TOLERANCE = 1e-9;

/** The merged partition equals the one-piece partition: counts, patterns, polygons (as point sets), areas; verified. */
function assertSamePartition(net: Network, merged: PlanarPartition, whole: PlanarPartition): void {
  assert.equal(merged.regions.length, whole.regions.length, "regions");
  assert.equal(merged.slivers.length, whole.slivers.length, "slivers");
  const byPattern = new Map<string, PlanarRegion>();
  for (const r of allPolygons(whole)) byPattern.set(patternToString(r.pattern), r);
  for (const [list, name] of [[merged.regions, "region"], [merged.slivers, "sliver"]] as const) {
    const wholeList = name === "region" ? whole.regions : whole.slivers;
    const keys = new Set(wholeList.map((r) => patternToString(r.pattern)));
    for (const r of list) {
      const key = patternToString(r.pattern);
      assert.ok(keys.has(key), `${name} ${key} of the merge is not a ${name} of the whole`);
      const w = byPattern.get(key)!;
      const gap = pointSetGap(r.polygon, w.polygon);
      assert.ok(gap <= POINT_SET_TOLERANCE, `${name} ${key}: polygons differ by ${gap}`);
      assert.ok(Math.abs(r.area - w.area) <= POINT_SET_TOLERANCE, `${name} ${key}: area ${r.area} vs ${w.area}`);
      // The edges carry the same units (as a set: the polygons start at different vertices).
      assert.deepEqual([...r.edges].sort((a, b) => a - b), [...w.edges].sort((a, b) => a - b), `${name} ${key}: edge labels`);
    }
  }
  const report = verifyPartition(net, merged);
  assert.ok(report.ok, report.problems.join("\n"));
}

function fixture(name: string): Network {
  return parseOnnx(fixtureBytes(name), name);
}

describe("planar partition in strips, joined across the seams", () => {
  for (const name of ["random-2-8-8-s1", "random-2-16-s2", "random-2-32-32-s5"]) {
    it(`${name}: two and three strips (equal, and off-centre seams) give the one-piece partition, verified`, () => {
      const net = fixture(name);
      const whole = planarPartition(net, square);
      for (const [parts, seams] of [[2, undefined], [3, undefined], [2, [0.3141592653589793]], [4, [-0.9, -0.1, 0.77]]] as const) {
        assertSamePartition(net, planarPartitionInStrips(net, square, parts, { seams: seams as number[] | undefined }), whole);
      }
    });
  }

  it("seeded random ReLU, leaky ReLU and maxout nets over two rectangles: merged = whole, verified", () => {
    const acts = [{ kind: "relu" }, { kind: "leaky-relu", alpha: 0.1 }, { kind: "maxout", rank: 2 }] as const;
    const rects = [square, { umin: -0.3, umax: 2.1, vmin: -1.7, vmax: 0.4 }];
    for (let seed = 1; seed <= 6; seed++) {
      const act = acts[seed % 3];
      const net = randomNet(100 + seed, 2, act.kind === "maxout" ? [6, 6] : [12, 10, 8], 2, act);
      for (const rect of rects) {
        const whole = planarPartition(net, rect);
        assertSamePartition(net, planarPartitionInStrips(net, rect, 2), whole);
        assertSamePartition(net, planarPartitionInStrips(net, rect, 3), whole);
      }
    }
  });

  it("a seam through a vertex of the arrangement (two lines crossing on it) and through a rectangle corner's row", () => {
    // Units x − y = 0 and x + y = 0 cross at the origin, on the seam u = 0; a third line y = 0.5 meets the seam too.
    const net: Network = {
      inputDim: 2,
      layers: [
        dense(2, 3, [1, -1, 1, 1, 0, 1], [0, 0, -0.5], { kind: "relu" }),
        dense(3, 2, [1, -2, 0.5, -1, 1, 3], [0.1, -0.2], { kind: "identity" }),
      ],
    };
    const whole = planarPartition(net, square);
    const merged = planarPartitionInStrips(net, square, 2, { seams: [0] });
    assertSamePartition(net, merged, whole);
    // A seam at u = 0.5 through the crossing of y = 0.5 and x − y = 0.
    assertSamePartition(net, planarPartitionInStrips(net, square, 2, { seams: [0.5] }), whole);
  });

  it("a seam along a hyperplane is detected (SeamDegenerate) and the strips fall back to the whole rectangle", () => {
    // Unit 0's line is u = 0.25: a region edge lies on the seam u = 0.25 and carries that unit.
    const net: Network = {
      inputDim: 2,
      layers: [dense(2, 3, [1, 0, 1, 1, -1, 2], [-0.25, 0.1, 0.3], { kind: "relu" }), dense(3, 2, [1, -1, 2, 0.5, 1, -1], [0, 0.2], { kind: "identity" })],
    };
    const [a, b] = stripRects(square, 2, [0.25]).map((r) => planarPartition(net, r));
    assert.throws(() => mergeAcrossSeam(a, b, 0.25), SeamDegenerate);
    assertSamePartition(net, planarPartitionInStrips(net, square, 2, { seams: [0.25] }), planarPartition(net, square));
  });

  it("a seam along the line of a deeper unit (bent hyperplane vertical there) is detected too", () => {
    // Layer 2 unit 0 = relu(x) − 0.5 with x > 0 near the seam: its line u = 0.5 is the seam.
    const net: Network = {
      inputDim: 2,
      layers: [
        dense(2, 2, [1, 0, 0.3, 1], [0, 0], { kind: "relu" }),
        dense(2, 2, [1, 0, 1, -1], [-0.5, 0.2], { kind: "relu" }),
        dense(2, 2, [1, -1, -1, 2], [0, 0], { kind: "identity" }),
      ],
    };
    const [a, b] = stripRects(square, 2, [0.5]).map((r) => planarPartition(net, r));
    assert.throws(() => mergeAcrossSeam(a, b, 0.5), SeamDegenerate);
    assertSamePartition(net, planarPartitionInStrips(net, square, 2, { seams: [0.5] }), planarPartition(net, square));
  });

  it("joined polygons run the region test again: a region whose pieces are both slivers is a region when joined", () => {
    const net: Network = {
      inputDim: 2,
      layers: [dense(2, 2, [1, 1, 1, -1], [-0.5, -0.5], { kind: "relu" }), dense(2, 2, [1, -1, -1, 1], [0, 0], { kind: "identity" })],
    };
    // Lines x + y = 0.5 and x − y = 0.5 meet at (0.5, 0); both units are off in the wedge left of the apex. A seam at
    // u = 0.5 − 1e-9 leaves that region a right piece 1e-9 wide (a sliver); joined, it is a region.
    const seam = 0.5 - 1e-9;
    const [a, b] = stripRects(square, 2, [seam]).map((r) => planarPartition(net, r));
    const merged = mergeAcrossSeam(a, b, seam);
    assertSamePartition(net, merged, planarPartition(net, square));
    assert.deepEqual(b.slivers.map((r) => patternToString(r.pattern)), ["00"]);
    assert.ok(merged.regions.some((r) => patternToString(r.pattern) === "00"));
    assert.equal(merged.slivers.length, 0);
  });

  it("the class boundary of the merged partition has the one-piece boundary's pieces and cells", () => {
    const net = fixture("random-2-32-32-s5");
    const whole = classBoundary(planarPartition(net, square));
    const merged = classBoundary(planarPartitionInStrips(net, square, 2));
    assert.equal(merged.pieces.count, whole.pieces.count);
    assert.equal(merged.cells.length, whole.cells.length);
    assert.equal(merged.polylines.length, whole.polylines.length);
  });

  it("strips by the fast partition (the skeleton for narrow nets) join to the clipping partition of the whole", () => {
    const net = fixture("random-2-32-32-s5");
    const merged = planarPartitionInStrips(net, square, 2, { partition: planarPartitionFast });
    assertSamePartition(net, merged, planarPartition(net, square));
  });

  it("joinSeamPieces leaves pieces that do not touch the seam alone", () => {
    const net = fixture("random-2-8-8-s1");
    const [a, b] = stripRects(square, 2).map((r) => planarPartition(net, r));
    const L = allPolygons(a), R = allPolygons(b);
    const { joined, leftUsed, rightUsed } = joinSeamPieces(L, R, 0, a.threshold, Math.hypot(2, 2));
    const used = (u: Uint8Array) => u.reduce((s, x) => s + x, 0);
    assert.equal(used(leftUsed), joined.length);
    assert.equal(used(rightUsed), joined.length);
    assert.ok(joined.length > 0);
  });
});
