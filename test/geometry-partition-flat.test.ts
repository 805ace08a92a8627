import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allPolygons, planarPartition, type PlanarPartition } from "../src/geometry/partition.ts";
import { planarPartitionFlat, type FlatPlanarPartition } from "../src/geometry/partition-flat.ts";
import { classBoundary } from "../src/geometry/class-boundary.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import type { Network } from "../src/model/network.ts";
import { packPartition, type PackedPartition } from "../web/src/partition/packed.ts";
import { fixtureBytes, expectedOf } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";

const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
const offCentre = { umin: -0.3, umax: 1.7, vmin: -2, vmax: 0.25 };

/** The flat partition equals the object partition field by field, bit for bit, regions first then slivers. */
function assertSame(flat: FlatPlanarPartition, p: PlanarPartition): void {
  assert.equal(flat.regions, p.regions.length);
  assert.equal(flat.slivers, p.slivers.length);
  assert.equal(flat.units, p.units);
  assert.equal(flat.threshold, p.threshold);
  assert.equal(flat.peakPieces, p.peakPieces);
  assert.equal(flat.domainArea, p.domainArea);
  const polys = allPolygons(p), o = flat.outputs;
  assert.equal(flat.polyStart.length, polys.length + 1);
  polys.forEach((r, k) => {
    const a = flat.polyStart[k], b = flat.polyStart[k + 1];
    assert.deepEqual(flat.coords.subarray(2 * a, 2 * b), r.polygon, `polygon ${k}`);
    assert.deepEqual(flat.labels.subarray(a, b), r.edges, `edges ${k}`);
    assert.deepEqual(flat.patterns.subarray(k * p.units, (k + 1) * p.units), r.pattern, `pattern ${k}`);
    assert.deepEqual(flat.J.subarray(2 * o * k, 2 * o * (k + 1)), r.output.J, `J ${k}`);
    assert.deepEqual(flat.c.subarray(o * k, o * (k + 1)), r.output.c, `c ${k}`);
    assert.equal(flat.area[k], r.area);
    assert.deepEqual(flat.points.subarray(2 * k, 2 * k + 2), r.point);
    assert.equal(flat.radius[k], r.radius);
  });
}

/** packPartition as it was before the flat path: planarPartition's objects and classBoundary, packed. */
function packedFromObjects(net: Network): Omit<PackedPartition, "ms" | "rect"> {
  const p = planarPartition(net, square), b = classBoundary(p), polys = allPolygons(p);
  const start = (parts: ArrayLike<number>[]) => {
    const s = new Uint32Array(parts.length + 1);
    parts.forEach((x, k) => (s[k + 1] = s[k] + x.length / 2));
    return s;
  };
  const cat = <T extends Float64Array | Int32Array | Uint8Array>(parts: T[], make: (n: number) => T): T => {
    const out = make(parts.reduce((s, x) => s + x.length, 0));
    let at = 0;
    for (const x of parts) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  };
  const f64 = (n: number) => new Float64Array(n);
  return {
    units: p.units,
    outputs: polys[0].output.rows,
    regions: p.regions.length,
    slivers: p.slivers.length,
    polyStart: start(polys.map((r) => r.polygon)),
    coords: cat(polys.map((r) => r.polygon), f64),
    labels: cat(polys.map((r) => r.edges), (n) => new Int32Array(n)),
    patterns: cat(polys.map((r) => r.pattern), (n) => new Uint8Array(n)),
    J: cat(polys.map((r) => r.output.J), f64),
    c: cat(polys.map((r) => r.output.c), f64),
    cellStart: start(b.cells.map((cell) => cell.polygon)),
    cellCoords: cat(b.cells.map((cell) => cell.polygon), f64),
    cellClass: Uint16Array.from(b.cells, (cell) => cell.cls),
    lineStart: start(b.polylines.map((l) => l.points)),
    lineCoords: cat(b.polylines.map((l) => l.points), f64),
    lineClosed: Uint8Array.from(b.polylines, (l) => (l.closed ? 1 : 0)),
    boundaryPieces: b.pieces.count,
  };
}

describe("flat planar partitions (planarPartitionFlat)", () => {
  for (const name of ["random-2-8-8-s1", "random-2-32-32-s5"]) {
    it(`${name}: the same polygons, edges, patterns, output maps, areas, points and radii as planarPartition, bit for bit; ${name === "random-2-32-32-s5" ? "1,557" : "the fixture's"} regions`, () => {
      const net = parseOnnx(fixtureBytes(name), name);
      const flat = planarPartitionFlat(net, square);
      assertSame(flat, planarPartition(net, square));
      assert.equal(flat.regions, expectedOf(name).regions);
    });
  }

  const nets: [string, Network][] = [
    ["ReLU 2-12-12-12-3 (seed 4)", randomNet(4, 2, [12, 12, 12], 3)],
    ["leaky ReLU 2-16-16-2 (seed 5)", randomNet(5, 2, [16, 16], 2, { kind: "leaky-relu", alpha: 0.1 })],
    ["maxout rank 3 2-6-6-2 (seed 6)", randomNet(6, 2, [6, 6], 2, { kind: "maxout", rank: 3 })],
    ["ReLU 2-20-1, one output (seed 7)", randomNet(7, 2, [20], 1)],
  ];
  for (const [label, net] of nets) {
    it(`${label}: bit for bit the same as planarPartition over [-1, 1]² and an off-centre rectangle`, () => {
      for (const rect of [square, offCentre]) assertSame(planarPartitionFlat(net, rect), planarPartition(net, rect));
    });
  }

  it("a network without hidden layers: the domain is the one region", () => {
    const net = randomNet(8, 2, [], 2);
    const flat = planarPartitionFlat(net, square);
    assertSame(flat, planarPartition(net, square));
    assert.equal(flat.regions, 1);
  });

  it("packPartition of a network wider than the skeleton's limit (flat path) equals packing planarPartition's objects and classBoundary, array for array", () => {
    const net = randomNet(9, 2, [72, 16], 2);
    const { ms: _ms, rect: _rect, ...packed } = packPartition(net, square);
    assert.deepEqual(packed, packedFromObjects(net));
    assert.ok(packed.regions > 100, `${packed.regions} regions`);
  });
});
