import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planarPartition, type PlanarPartition } from "../src/geometry/partition.ts";
import { DOMAIN_EDGE, polygonArea } from "../src/geometry/polygon.ts";
import { verifyPartition } from "../src/geometry/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { patternToString, regionForms } from "../src/model/evaluate.ts";
import type { Activation, Network } from "../src/model/network.ts";
import { SkeletonUnsupported } from "../src/skeleton/complex.ts";
import { planarPartitionFast, SKELETON_PARTITION_MAX_WIDTH, skeletonPartition } from "../src/skeleton/partition.ts";
import { expectedOf, fixtureBytes } from "./helpers/fixtures.ts";
import { addUnit, randomNet } from "./helpers/nets.ts";

const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
const patterns = (p: PlanarPartition) => p.regions.map((r) => patternToString(r.pattern)).sort();

function assertVerified(net: Network, p: PlanarPartition): void {
  const report = verifyPartition(net, p);
  assert.ok(report.ok, report.problems.join("\n"));
}

/** Every region's output map is the pattern's exact map (regionForms) within 1e-9 relative. */
function assertMapsExact(net: Network, p: PlanarPartition): void {
  for (const r of p.regions) {
    const exact = regionForms(net, r.pattern).output;
    for (let i = 0; i < exact.J.length; i++) assert.ok(Math.abs(r.output.J[i] - exact.J[i]) <= 1e-9 * Math.max(1, Math.abs(exact.J[i])), `J ${r.output.J[i]} vs ${exact.J[i]}`);
    for (let i = 0; i < exact.c.length; i++) assert.ok(Math.abs(r.output.c[i] - exact.c[i]) <= 1e-9 * Math.max(1, Math.abs(exact.c[i])), `c ${r.output.c[i]} vs ${exact.c[i]}`);
  }
}

describe("planar partition from the 2-D skeleton", () => {
  for (const name of ["random-2-8-8-s1", "random-2-16-s2", "random-2-32-32-s5", "random-2-64-64-64-s7"]) {
    it(`${name}: the same regions (patterns) as planarPartition, the fixture's count ${expectedOf(name).regions}, the public verifier passes`, () => {
      const net = parseOnnx(fixtureBytes(name), name);
      const s = skeletonPartition(net, square);
      assert.equal(s.regions.length, expectedOf(name).regions);
      assert.deepEqual(patterns(s), patterns(planarPartition(net, square)));
      assertVerified(net, s);
      if (name !== "random-2-64-64-64-s7") assertMapsExact(net, s);
    });
  }

  it("polygons are counter-clockwise (convexity: the verifier), each edge labelled by a unit or the domain, areas add up to the domain's", () => {
    const net = parseOnnx(fixtureBytes("random-2-32-32-s5"), "random-2-32-32-s5");
    const s = skeletonPartition(net, square);
    let area = 0;
    for (const r of [...s.regions, ...s.slivers]) {
      assert.ok(polygonArea(r.polygon, r.edges.length) > 0);
      for (const e of r.edges) assert.ok(e === DOMAIN_EDGE || (e >= 0 && e < s.units));
      area += r.area;
    }
    assert.ok(Math.abs(area - s.domainArea) <= 1e-9 * s.domainArea);
  });

  const kinds: [string, Activation][] = [
    ["ReLU", { kind: "relu" }],
    ["leaky ReLU", { kind: "leaky-relu", alpha: 0.1 }],
    ["maxout of rank 2", { kind: "maxout", rank: 2 }],
  ];
  for (const [label, act] of kinds) {
    it(`${label}: the same regions as planarPartition on 3 seeded networks, maps exact, verifier passes`, () => {
      for (const seed of [1, 2, 3]) {
        const net = randomNet(seed, 2, [10, 8], 2, act);
        const s = skeletonPartition(net, square);
        assert.deepEqual(patterns(s), patterns(planarPartition(net, square)), `seed ${seed}`);
        assertVerified(net, s);
        assertMapsExact(net, s);
      }
    });
  }

  it("a unit whose line passes through a vertex of the complex on purpose, and a dead unit: same regions as planarPartition", () => {
    const base = randomNet(21, 2, [6, 5]);
    // Line x1 = 0 (through the box's edge midpoints and every vertex on it), and a unit dead on the whole box.
    const through = addUnit(addUnit(base, 0, [1, 0], 0, [0.5, -0.3, 0.2, 0.1, 0.4]), 0, [0.1, 0.1], -5, [1, 1, 1, 1, 1]);
    const s = skeletonPartition(through, square);
    assert.deepEqual(patterns(s), patterns(planarPartition(through, square)));
    assertVerified(through, s);
  });

  it("planarPartitionFast: the skeleton on rectangles, polygon clipping on other domains and for maxout of rank 3", () => {
    const net = randomNet(5, 2, [8, 8]);
    assert.deepEqual(patterns(planarPartitionFast(net, square)), patterns(planarPartition(net, square)));
    const triangle = { poly: Float64Array.of(-1, -1, 1, -1, 0, 1), labels: Int32Array.of(DOMAIN_EDGE, DOMAIN_EDGE, DOMAIN_EDGE) };
    assert.deepEqual(patterns(planarPartitionFast(net, triangle)), patterns(planarPartition(net, triangle)));
    const rank3 = randomNet(6, 2, [4, 4], 2, { kind: "maxout", rank: 3 });
    assert.throws(() => skeletonPartition(rank3, square), SkeletonUnsupported);
    assert.deepEqual(patterns(planarPartitionFast(rank3, square)), patterns(planarPartition(rank3, square)));
    // A layer wider than SKELETON_PARTITION_MAX_WIDTH goes to clipping: the very polygons planarPartition returns.
    const wide = randomNet(7, 2, [SKELETON_PARTITION_MAX_WIDTH + 2]);
    const polygons = (p: PlanarPartition) => p.regions.map((r) => Array.from(r.polygon));
    assert.deepEqual(polygons(planarPartitionFast(wide, square)), polygons(planarPartition(wide, square)));
  });
});
