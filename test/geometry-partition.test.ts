import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import { planarPartition, type PlanarPartition } from "../src/geometry/partition.ts";
import { DOMAIN_EDGE, polygonArea } from "../src/geometry/polygon.ts";
import { verifyPartition } from "../src/geometry/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { patternToString, regionForms } from "../src/model/evaluate.ts";
import { uniformBox, type Activation, type Network } from "../src/model/network.ts";
import { expectedOf, fixtureBytes } from "./helpers/fixtures.ts";
import { changeInputs, dense, permuteUnits, randomNet, scaleUnit } from "./helpers/nets.ts";

const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
const twoInputFixtures = ["random-2-8-8-s1", "random-2-16-s2", "random-2-32-32-s5"];

function engineCount(net: Network, threshold?: number): number {
  return countRegions(net, { box: uniformBox(2, -1, 1), threshold }).regions;
}

function assertVerified(net: Network, p: PlanarPartition): void {
  const report = verifyPartition(net, p);
  assert.ok(report.ok, report.problems.join("\n"));
}

const patterns = (p: PlanarPartition) => p.regions.map((r) => patternToString(r.pattern)).sort();

describe("exact planar partitions", () => {
  for (const name of twoInputFixtures) {
    it(`${name}: polygon count = fixture's regions = countRegions; areas add up to 4 (1e-9 relative); verifier passes`, () => {
      const net = parseOnnx(fixtureBytes(name), name);
      const p = planarPartition(net, square);
      assert.equal(p.regions.length, expectedOf(name).regions);
      assert.equal(p.regions.length, engineCount(net));
      const area = [...p.regions, ...p.slivers].reduce((s, r) => s + r.area, 0);
      assert.ok(Math.abs(area - 4) <= 4e-9, `area ${area}`);
      assertVerified(net, p);
    });
  }

  it("the fixtures' polygon counts are the same at thresholds 1e-7 and 1e-9 (stable under a factor of 10)", () => {
    for (const name of twoInputFixtures) {
      const net = parseOnnx(fixtureBytes(name), name);
      assert.equal(planarPartition(net, square, { threshold: 1e-7 }).regions.length, expectedOf(name).regions);
      assert.equal(planarPartition(net, square, { threshold: 1e-9 }).regions.length, expectedOf(name).regions);
    }
  });

  const families: [string, Activation, number[]][] = [
    ["ReLU", { kind: "relu" }, [10, 10, 10]],
    ["leaky ReLU", { kind: "leaky-relu", alpha: 0.1 }, [12, 12]],
    ["maxout rank 2", { kind: "maxout", rank: 2 }, [6, 6]],
    ["maxout rank 3", { kind: "maxout", rank: 3 }, [5, 5, 4]],
  ];
  for (const [label, act, widths] of families) {
    it(`random seeded ${label} networks 2-${widths.join("-")}: the partition's region set is the engine's`, () => {
      for (const seed of [1, 2, 3]) {
        const net = randomNet(100 + seed, 2, widths, 3, act);
        const p = planarPartition(net, square);
        const engine: string[] = [];
        countRegions(net, { box: uniformBox(2, -1, 1), onRegion: (r) => engine.push(patternToString(r.pattern)) });
        assert.deepEqual(patterns(p), engine.sort(), `seed ${seed}`);
        assertVerified(net, p);
      }
    });
  }

  it("hand case: units x and y cut the square into four unit quadrants with patterns by sign", () => {
    const net: Network = { inputDim: 2, layers: [dense(2, 2, [1, 0, 0, 1], [0, 0], { kind: "relu" }), dense(2, 1, [1, 1], [0], { kind: "identity" })] };
    const p = planarPartition(net, square);
    assert.equal(p.regions.length, 4);
    for (const r of p.regions) {
      assert.ok(Math.abs(r.area - 1) < 1e-15);
      const [x, y] = r.point;
      assert.equal(patternToString(r.pattern), `${x > 0 ? 1 : 0}${y > 0 ? 1 : 0}`);
      // Output relu(x) + relu(y): gradient is the pattern.
      assert.deepEqual([...r.output.J], [r.pattern[0], r.pattern[1]]);
      assert.equal(r.edges.filter((e) => e !== DOMAIN_EDGE).length, 2);
    }
  });

  it("hand case: three parallel unit lines through the square give four strips, the edges name the units", () => {
    const net: Network = { inputDim: 2, layers: [dense(2, 3, [1, 0, 1, 0, 1, 0], [0.5, 0, -0.5], { kind: "relu" }), dense(3, 1, [1, 1, 1], [0], { kind: "identity" })] };
    const p = planarPartition(net, square);
    assert.deepEqual(patterns(p), ["000", "100", "110", "111"]);
    for (const r of p.regions) assert.ok(Math.abs(r.area - 1) < 1e-15, `area ${r.area}`);
    const middle = p.regions.find((r) => patternToString(r.pattern) === "110")!;
    assert.deepEqual([...middle.edges].filter((e) => e >= 0).sort(), [1, 2]);
  });

  it("the threshold decides slivers as the engine does: a strip 1e-10 wide at the square's edge counts only below 1e-10", () => {
    // Unit x + 1 − 1e-10 > 0 everywhere except a strip of width 1e-10 along x = −1.
    const net: Network = { inputDim: 2, layers: [dense(2, 1, [1, 0], [1 - 1e-10], { kind: "relu" }), dense(1, 1, [1], [0], { kind: "identity" })] };
    const p = planarPartition(net, square);
    assert.equal(p.regions.length, 1);
    assert.equal(p.slivers.length, 1);
    assert.equal(p.regions.length, engineCount(net));
    const q = planarPartition(net, square, { threshold: 1e-11 });
    assert.equal(q.regions.length, 2);
    assert.equal(q.regions.length, engineCount(net, 1e-11));
    // Regions and slivers still tile the square.
    assert.ok(Math.abs(p.regions[0].area + p.slivers[0].area - 4) < 1e-12);
    assertVerified(net, p);
  });

  it("metamorphic: permuting and rescaling hidden units, and an affine change of inputs, keep the region count", () => {
    const net = randomNet(44, 2, [9, 9]);
    const n = planarPartition(net, square).regions.length;
    assert.equal(planarPartition(permuteUnits(net, 0, [8, 7, 6, 5, 4, 3, 2, 1, 0]), square).regions.length, n);
    assert.equal(planarPartition(scaleUnit(net, 1, 3, 5.5), square).regions.length, n);
    // x = D y + v with D = diag(2, 0.5), v = (0.5, −0.25): the square [-1,1]² of x is y ∈ [−0.75, 0.25] × [−1.5, 2.5].
    const moved = changeInputs(net, [2, 0.5], [0.5, -0.25], [0, 1]);
    assert.equal(planarPartition(moved, { umin: -0.75, umax: 0.25, vmin: -1.5, vmax: 2.5 }).regions.length, n);
  });

  it("a triangular domain: its polygons tile it, and each pattern is one of the square's", () => {
    const net = randomNet(8, 2, [10, 10]);
    const tri = { poly: Float64Array.of(-1, -1, 1, -1, -1, 1), labels: Int32Array.of(DOMAIN_EDGE, DOMAIN_EDGE, DOMAIN_EDGE) };
    const p = planarPartition(net, tri);
    assert.ok(Math.abs(p.domainArea - 2) < 1e-15);
    assertVerified(net, p);
    const all = new Set(patterns(planarPartition(net, square)));
    for (const key of patterns(p)) assert.ok(all.has(key));
    assert.ok(p.regions.length < all.size);
  });

  it("a network without hidden units is one region; a network with inputs ≠ 2 is refused", () => {
    const affine: Network = { inputDim: 2, layers: [dense(2, 1, [1, 2], [0], { kind: "identity" })] };
    const p = planarPartition(affine, square);
    assert.equal(p.regions.length, 1);
    assert.equal(p.regions[0].radius, Infinity);
    assert.ok(Math.abs(polygonArea(p.regions[0].polygon, 4) - 4) < 1e-15);
    assert.throws(() => planarPartition(randomNet(1, 3, [4]), square), /2-input network, this one takes 3/);
  });

  it("a wide leaky-ReLU 2-48-48-48-3 (many lines per cell: depth-first cuts, pattern trails, rank-1 output maps): the verifier passes and every output map is the pattern's", () => {
    const net = randomNet(12, 2, [48, 48, 48], 3, { kind: "leaky-relu", alpha: 0.05 });
    const p = planarPartition(net, square);
    assert.ok(p.regions.length > 5000, `${p.regions.length} regions`);
    assertVerified(net, p);
    // The output map composed from scratch from the pattern (regionForms) equals the partition's, to round-off.
    for (const r of p.regions.filter((_, i) => i % 97 === 0)) {
      const exact = regionForms(net, r.pattern).output;
      for (let k = 0; k < exact.J.length; k++) assert.ok(Math.abs(exact.J[k] - r.output.J[k]) <= 1e-12 * (1 + Math.abs(exact.J[k])));
      for (let k = 0; k < exact.c.length; k++) assert.ok(Math.abs(exact.c[k] - r.output.c[k]) <= 1e-12 * (1 + Math.abs(exact.c[k])));
    }
  });
});
