import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkBoundaryContinuity,
  classBoundary,
  predictedClass,
  type BoundaryPieces,
  type ClassBoundary,
} from "../src/geometry/class-boundary.ts";
import { allPolygons, planarPartition } from "../src/geometry/partition.ts";
import { polygonArea, polygonCentroid } from "../src/geometry/polygon.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { evaluate } from "../src/model/evaluate.ts";
import type { Network } from "../src/model/network.ts";
import { fixtureBytes } from "./helpers/fixtures.ts";
import { dense, randomNet } from "./helpers/nets.ts";

const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

/** Hidden units relu(x), relu(−x), relu(y), relu(−y): x = h0 − h1, y = h2 − h3, so any affine output is expressible. */
function xyNet(outputs: number[][], bias: number[]): Network {
  const W = outputs.flatMap(([a, b]) => [a, -a, b, -b]);
  return {
    inputDim: 2,
    layers: [dense(2, 4, [1, 0, -1, 0, 0, 1, 0, -1], [0, 0, 0, 0], { kind: "relu" }), dense(4, outputs.length, W, bias, { kind: "identity" })],
  };
}

function pieceLength(p: BoundaryPieces): number {
  let s = 0;
  for (let k = 0; k < p.count; k++) s += Math.hypot(p.segments[4 * k + 2] - p.segments[4 * k], p.segments[4 * k + 3] - p.segments[4 * k + 1]);
  return s;
}

function assertContinuous(net: Network): ClassBoundary {
  const p = planarPartition(net, square);
  const b = classBoundary(p);
  const report = checkBoundaryContinuity(p, b);
  assert.ok(report.ok, report.problems.join("\n"));
  return b;
}

describe("class boundaries on planar partitions", () => {
  it("hand case: f = relu(x) + relu(y) − 0.5 bends at the unit lines: 3 pieces, 1 polyline, length 1 + √2/2 + 1", () => {
    const net: Network = {
      inputDim: 2,
      layers: [dense(2, 2, [1, 0, 0, 1], [0, 0], { kind: "relu" }), dense(2, 1, [1, 1], [-0.5], { kind: "identity" })],
    };
    const p = planarPartition(net, square);
    const b = classBoundary(p);
    assert.equal(b.classes, 2);
    assert.equal(b.pieces.count, 3);
    assert.equal(b.polylines.length, 1);
    assert.equal(b.polylines[0].pieces, 3);
    assert.equal(b.polylines[0].points.length, 8);
    // x = 0.5 for y ∈ [−1, 0], x + y = 0.5 in the positive quadrant, y = 0.5 for x ∈ [−1, 0].
    close(pieceLength(b.pieces), 1 + Math.SQRT1_2 + 1);
    const c = checkBoundaryContinuity(p, b);
    assert.ok(c.ok);
    assert.equal(c.onDomainBoundary, 2);
    assert.equal(c.metAcrossEdges, 4);
  });

  it("hand case: three classes f = (x, y, 0.3 − x − y) meet at (0.1, 0.1): a junction of three pieces", () => {
    const b = assertContinuous(xyNet([[1, 0], [0, 1], [-1, -1]], [0, 0, 0.3]));
    const p = planarPartition(xyNet([[1, 0], [0, 1], [-1, -1]], [0, 0, 0.3]), square);
    const c = checkBoundaryContinuity(p, b);
    assert.equal(c.junctions, 3);
    assert.equal(b.polylines.length, 3);
    // Each polyline runs from the junction to the square's boundary.
    for (const l of b.polylines) {
      const n = l.points.length;
      const ends = [[l.points[0], l.points[1]], [l.points[n - 2], l.points[n - 1]]];
      assert.equal(ends.filter(([x, y]) => Math.abs(x - 0.1) < 1e-12 && Math.abs(y - 0.1) < 1e-12).length, 1);
    }
    assert.deepEqual(b.polylines.map((l) => l.classes.join("/")).sort(), ["0/1", "0/2", "1/2"]);
  });

  it("class cells tile every region, and each cell's centroid is predicted as the cell's class (random nets, 1, 3 and 5 outputs)", () => {
    for (const [seed, outputs] of [[1, 1], [2, 3], [3, 5]]) {
      const net = randomNet(seed, 2, [12, 12], outputs);
      const p = planarPartition(net, square);
      const b = classBoundary(p);
      const area = b.cells.reduce((s, c) => s + polygonArea(c.polygon, c.edges.length), 0);
      close(area, 4, 1e-9);
      for (const cell of b.cells) {
        const c = polygonCentroid(cell.polygon, cell.edges.length);
        assert.equal(predictedClass(evaluate(net, c).output), cell.cls);
      }
      const polygons = allPolygons(p);
      for (const cell of b.cells) assert.ok(cell.region >= 0 && cell.region < polygons.length);
    }
  });

  it("continuity across region edges holds on the fixtures and on random ReLU, leaky ReLU and maxout classifiers", () => {
    for (const name of ["random-2-8-8-s1", "random-2-16-s2", "random-2-32-32-s5"]) assertContinuous(parseOnnx(fixtureBytes(name), name));
    for (const seed of [1, 2]) {
      const nets = [
        randomNet(seed, 2, [16, 16, 16], 4),
        randomNet(seed, 2, [16, 16], 3, { kind: "leaky-relu", alpha: 0.2 }),
        randomNet(seed, 2, [6, 6], 3, { kind: "maxout", rank: 3 }),
      ];
      for (const net of nets) {
        const b = assertContinuous(net);
        // Every piece belongs to exactly one polyline.
        assert.equal(b.polylines.reduce((s, l) => s + l.pieces, 0), b.pieces.count);
      }
    }
  });

  it("the continuity check is not vacuous: removing one interior piece is reported", () => {
    const net = randomNet(3, 2, [16, 16], 3);
    const p = planarPartition(net, square);
    const b = classBoundary(p);
    assert.ok(b.pieces.count > 3);
    const drop = Math.floor(b.pieces.count / 2);
    const keep = (k: number) => k !== drop;
    const idx = [...Array(b.pieces.count).keys()].filter(keep);
    const pieces: BoundaryPieces = {
      count: idx.length,
      segments: Float64Array.from(idx.flatMap((k) => [...b.pieces.segments.subarray(4 * k, 4 * k + 4)])),
      classes: Int32Array.from(idx.flatMap((k) => [b.pieces.classes[2 * k], b.pieces.classes[2 * k + 1]])),
      regions: Int32Array.from(idx.map((k) => b.pieces.regions[k])),
    };
    const report = checkBoundaryContinuity(p, { ...b, pieces });
    assert.equal(report.ok, false);
    assert.ok(report.problemCount >= 1 && report.problemCount <= 2, report.problems.join("\n"));
  });

  it("random-2-32-32-s5's boundary: the piece count is the number of regions it crosses, joined into polylines", () => {
    const net = parseOnnx(fixtureBytes("random-2-32-32-s5"), "random-2-32-32-s5");
    const p = planarPartition(net, square);
    const b = classBoundary(p);
    // Two classes: at most one piece per region, and exactly one in each region whose outputs change order inside it.
    const crossing = allPolygons(p).filter((r) => {
      const cls = new Set<number>();
      for (let i = 0; i < r.edges.length; i++) cls.add(predictedClass(evaluate(net, [r.polygon[2 * i], r.polygon[2 * i + 1]]).output));
      return cls.size === 2;
    }).length;
    assert.ok(b.pieces.count <= crossing && b.pieces.count > 0);
    const regionsWithPiece = new Set(b.pieces.regions);
    assert.equal(regionsWithPiece.size, b.pieces.count);
  });
});
