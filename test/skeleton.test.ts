import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import { PartitionVerifier } from "../src/count/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { patternToString } from "../src/model/evaluate.ts";
import { uniformBox, type Activation, type Network } from "../src/model/network.ts";
import { SkeletonUndecided, SkeletonUnsupported, SkeletonWorkspace, centroidClear2, decideCell, margin2, margin3, skeletonCount, tetraInradius, type SkeletonRegion } from "../src/skeleton/count.ts";
import { Skeleton } from "../src/skeleton/complex.ts";
import { MarginLP } from "../src/lp/margin-lp.ts";
import { runCli } from "./helpers/cli.ts";
import { expectedOf, fixtureBytes, fixturePath } from "./helpers/fixtures.ts";
import { addUnit, dense, permuteUnits, randomNet, scaleUnit } from "./helpers/nets.ts";

const box = (n0: number) => uniformBox(n0, -1, 1);
const skeleton = (net: Network) => skeletonCount(net, { box: box(net.inputDim) }).regions;
const engine = (net: Network) => countRegions(net, { box: box(net.inputDim) }).regions;
const fixture = (name: string) => parseOnnx(fixtureBytes(name), name);
const lowDimFixtures = ["random-1-8-8-s3", "random-2-8-8-s1", "random-2-16-s2", "random-2-32-32-s5", "random-2-64-64-64-s7", "random-3-6-6-6-s4", "random-3-24-24-24-s8"];

/** Regions with their patterns, checked by the public verifier (interior points, balls, coverage by random points). */
function verified(net: Network, samples = 4000): SkeletonRegion[] {
  const regions: SkeletonRegion[] = [];
  const v = new PartitionVerifier(net, box(net.inputDim), { samples });
  skeletonCount(net, { box: box(net.inputDim), onRegion: (r) => regions.push(r) });
  for (const r of regions) v.add(patternToString(r.pattern), r.point, r.radius);
  const report = v.finish();
  assert.ok(report.ok, report.problems.join("\n"));
  return regions;
}

describe("skeleton engine: fixture counts", () => {
  for (const name of lowDimFixtures) {
    it(`${name}: the skeleton's count is the fixture's (independent oracle): ${expectedOf(name).regions}`, () => {
      assert.equal(skeleton(fixture(name)), expectedOf(name).regions);
    });
  }

  it("the regions' interior points, balls and coverage pass the public verifier (2-D and 3-D fixtures)", () => {
    for (const name of ["random-2-32-32-s5", "random-3-6-6-6-s4"]) assert.equal(verified(fixture(name)).length, expectedOf(name).regions);
  });
});

describe("skeleton engine agrees with the LP engine", () => {
  const kinds: [string, Activation][] = [
    ["ReLU", { kind: "relu" }],
    ["leaky ReLU", { kind: "leaky-relu", alpha: 0.1 }],
    ["maxout of rank 2", { kind: "maxout", rank: 2 }],
  ];
  for (const [label, act] of kinds) {
    for (const n0 of [1, 2, 3]) {
      it(`${label}, ${n0} input${n0 > 1 ? "s" : ""}: same count as countRegions on 3 seeded networks, verifier passes`, () => {
        for (const seed of [1, 2, 3]) {
          const net = randomNet(seed, n0, n0 === 3 ? [5, 5] : [8, 6], 2, act);
          const regions = verified(net, 2000);
          assert.equal(regions.length, engine(net), `seed ${seed}`);
        }
      });
    }
  }

  for (const [label, act] of kinds) {
    it(`${label}, 4 inputs: same count as countRegions on 4 seeded networks (4-4, 6-5, 8-8, 10-10-10), verifier passes`, () => {
      const shapes = [[4, 4], [6, 5], [8, 8], [10, 10, 10]];
      shapes.forEach((widths, k) => {
        const net = randomNet(40 + k, 4, widths, 2, act);
        const regions = verified(net, 2000);
        assert.equal(regions.length, engine(net), `widths ${widths.join("-")}`);
      });
    });
  }

  it("4 inputs: a strip 2–6e-9 wide (below the threshold) between nearly parallel hyperplanes is not counted, as by the engine", () => {
    // The LP engine's review case (count-flats.test.ts): the skeleton counts the same or hands the count over.
    const h = 1e-4, theta = 2e-5, eps = 4e-9, c = Math.cos(theta), sn = Math.sin(theta);
    const net: Network = {
      inputDim: 4,
      layers: [
        dense(4, 6, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, -1, 0, 0], [10, 10, 10, 10, -h, -h], { kind: "relu" }),
        dense(6, 4, [1, 0, 0, 0, 0, 0, c, sn, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0], [-10, -10 * (c + sn) - eps, -10, -10], { kind: "relu" }),
        dense(4, 1, [1, 1, 1, 1], [0], { kind: "identity" }),
      ],
    };
    let count: number | undefined;
    try {
      count = skeleton(net);
    } catch (e) {
      assert.ok(e instanceof SkeletonUndecided, String(e));
    }
    if (count !== undefined) assert.equal(count, engine(net));
  });

  it("maxout of rank 3 and a 5-input network are refused with one reason (auto falls back to the engine)", () => {
    assert.throws(() => skeleton(randomNet(1, 2, [4], 2, { kind: "maxout", rank: 3 })), (e: Error) => e instanceof SkeletonUnsupported && /rank 3/.test(e.message));
    assert.throws(() => skeleton(randomNet(1, 5, [4])), (e: Error) => e instanceof SkeletonUnsupported && /5/.test(e.message));
  });
});

describe("skeleton engine: metamorphic and degenerate cases", () => {
  const net2 = randomNet(11, 2, [10, 8]);
  const net3 = randomNet(12, 3, [6, 6]);
  const base2 = skeleton(net2);
  const base3 = skeleton(net3);

  it("permuting the units of a layer does not change the count (2-D and 3-D)", () => {
    assert.equal(skeleton(permuteUnits(net2, 0, [9, 3, 0, 7, 1, 8, 2, 6, 4, 5])), base2);
    assert.equal(skeleton(permuteUnits(net2, 1, [7, 6, 5, 4, 3, 2, 1, 0])), base2);
    assert.equal(skeleton(permuteUnits(net3, 1, [5, 0, 4, 1, 3, 2])), base3);
  });

  it("scaling a unit by c > 0 (and its outgoing weights by 1/c) does not change the count, for c from 1e-3 to 1e3", () => {
    for (const c of [1e-3, 0.5, 7, 1e3]) {
      assert.equal(skeleton(scaleUnit(net2, 0, 4, c)), base2, `c = ${c}`);
      assert.equal(skeleton(scaleUnit(net3, 1, 2, c)), base3, `c = ${c}`);
    }
  });

  it("dead units (never active on the box, or identically zero) add no region and are reported stable", () => {
    const dead = addUnit(addUnit(net2, 0, [0.1, 0.1], -5, [1, -1, 0.5, 0.2, 0.3, 0.1, -0.2, 0.4]), 0, [0, 0], 0, [1, 1, 1, 1, 1, 1, 1, 1]);
    const r = skeletonCount(dead, { box: box(2) });
    assert.equal(r.regions, base2);
    assert.equal(r.stableInactive[0], skeletonCount(net2, { box: box(2) }).stableInactive[0] + 2);
  });

  it("coincident hyperplanes: a duplicated unit, and one scaled by 3, add no region (and agree with the engine when they feed on)", () => {
    const L = net2.layers[0];
    const w = [L.weights[6], L.weights[7]];
    const b = L.bias[3];
    const silent = new Array(8).fill(0);
    assert.equal(skeleton(addUnit(net2, 0, w, b, silent)), base2);
    assert.equal(skeleton(addUnit(addUnit(net2, 0, w, b, silent), 0, [3 * w[0], 3 * w[1]], 3 * b, silent)), base2);
    // Feeding the next layer, the duplicates bend its hyperplanes along the same line: the engine decides.
    const out = [0.3, -0.2, 0.1, 0.5, -0.4, 0.2, 0.1, 0.3];
    const fed = addUnit(addUnit(net2, 0, w, b, out), 0, [3 * w[0], 3 * w[1]], 3 * b, out);
    assert.equal(skeleton(fed), engine(fed));
  });

  it("hyperplanes through a vertex on purpose: k lines through one point make 2k sectors; through a box corner, 1 region each", () => {
    for (const k of [3, 4, 7]) {
      // Lines through (0.2, −0.1) at angles π j / k: 2k sectors, all inside the box.
      const W: number[] = [];
      const b: number[] = [];
      for (let j = 0; j < k; j++) {
        const a = (Math.PI * j) / k;
        W.push(Math.cos(a), Math.sin(a));
        b.push(-(Math.cos(a) * 0.2 + Math.sin(a) * -0.1));
      }
      const net: Network = { inputDim: 2, layers: [dense(2, k, W, b, { kind: "relu" }), dense(k, 1, new Array(k).fill(1), [0], { kind: "identity" })] };
      assert.equal(skeleton(net), 2 * k, `k = ${k}`);
      assert.equal(engine(net), 2 * k, `k = ${k}`);
    }
    // Three lines through the corner (1, 1) and one through the first layer's crossing: a vertex made by the
    // complex itself, then hit by the second layer's hyperplane.
    const corner: Network = {
      inputDim: 2,
      layers: [dense(2, 3, [1, 0, 0, 1, 1, 1], [-1, -1, -2], { kind: "relu" }), dense(3, 1, [1, 1, 1], [0], { kind: "identity" })],
    };
    assert.equal(skeleton(corner), 1);
    const through: Network = {
      inputDim: 2,
      layers: [
        dense(2, 2, [1, 0, 0, 1], [0, 0], { kind: "leaky-relu", alpha: 0.5 }),
        dense(2, 1, [1, -1], [0], { kind: "relu" }),
        dense(1, 1, [1], [0], { kind: "identity" }),
      ],
    };
    // x = 0 and y = 0 make 4 quadrants; the second layer's x' − y' = 0 passes through their crossing (the origin)
    // and splits the quadrants where it is not already a quadrant edge.
    assert.equal(skeleton(through), engine(through));
    const threeD: Network = {
      inputDim: 3,
      layers: [dense(3, 4, [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0], { kind: "relu" }), dense(4, 1, [1, 1, 1, 1], [0], { kind: "identity" })],
    };
    // Three coordinate planes and x + y + z = 0, all through the origin (a vertex of the first three).
    assert.equal(skeleton(threeD), engine(threeD));
    assert.equal(skeleton(threeD), 14);
  });

  it("3-D: every cell's inscribed-tetrahedron radius (the count-only certificate) is at most its exact margin, by one margin LP per cell", () => {
    const nets = [fixture("random-3-6-6-6-s4"), randomNet(12, 3, [6, 6, 6], 2, { kind: "leaky-relu", alpha: 0.1 }), randomNet(14, 3, [5, 5], 2, { kind: "maxout", rank: 2 })];
    for (const net of nets) {
      const sk = new Skeleton(net, box(3));
      sk.refineAll();
      const lp = new MarginLP(box(3).lo, box(3).hi, sk.units + 1, Math.sqrt(12));
      const point = new Float64Array(3);
      let cells = 0;
      for (let c = 0; c < sk.cCount; c++) {
        margin3(sk, c, point); // the centroid: a point of the cell, for its pattern
        const exact = decideCell(net, lp, point, 1e-12);
        const r = tetraInradius(sk, c);
        assert.ok(r <= exact * (1 + 1e-9) + 1e-12, `cell ${c}: tetrahedron ${r} > margin ${exact}`);
        cells++;
      }
      assert.ok(cells > 20);
    }
  });

  it("2-D: the count-only test (squared, no root) agrees with the centroid distance to every edge's line, cell by cell, at cuts from 1e-8 to 0.05", () => {
    for (const net of [fixture("random-2-32-32-s5"), randomNet(13, 2, [12, 12], 2, { kind: "maxout", rank: 2 })]) {
      const sk = new Skeleton(net, box(2));
      sk.refineAll();
      const point = new Float64Array(2);
      let clear = 0;
      let notClear = 0;
      for (let c = 0; c < sk.cCount; c++) {
        const r = margin2(sk, c, point);
        for (const cut of [1e-8, 1e-3, 1e-2, 0.05]) {
          // Equal up to round-off in the last bits: a distance within 1e-12 relative of the cut may fall either way.
          if (Math.abs(r - cut) <= 1e-12 * cut) continue;
          assert.equal(centroidClear2(sk, c, cut), r > cut, `cell ${c}, cut ${cut}: distance ${r}`);
          if (r > cut) clear++;
          else notClear++;
        }
      }
      assert.ok(clear > 0 && notClear > 0);
    }
  });

  it("a workspace reused across counts of networks of 1 to 4 inputs, small after large, gives each count and complex size as a fresh count", () => {
    const ws = new SkeletonWorkspace();
    const nets = [fixture("random-3-6-6-6-s4"), net2, randomNet(5, 4, [6, 6]), fixture("random-2-32-32-s5"), net3, randomNet(6, 1, [8, 8]), fixture("random-3-6-6-6-s4"), net2];
    for (const net of nets) {
      const fresh = skeletonCount(net, { box: box(net.inputDim) });
      const reused = skeletonCount(net, { box: box(net.inputDim), workspace: ws });
      assert.deepEqual([reused.regions, reused.vertices, reused.edges, reused.cells], [fresh.regions, fresh.vertices, fresh.edges, fresh.cells]);
    }
  });
});

describe("tessera count --method", () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-skeleton-"));

  it("auto counts a 2-input fixture with the skeleton and says so; engine and skeleton give the same count", async () => {
    const [auto, eng, sk] = await Promise.all([
      runCli(["count", fixturePath("random-2-8-8-s1"), "--no-progress"]),
      runCli(["count", fixturePath("random-2-8-8-s1"), "--method", "engine", "--json", "--no-progress"]),
      runCli(["count", fixturePath("random-2-8-8-s1"), "--method", "skeleton", "--json", "--no-progress"]),
    ]);
    for (const r of [auto, eng, sk]) assert.equal(r.code, 0, r.stderr);
    assert.match(auto.stdout, /^method\s+skeleton .*auto/m);
    assert.match(auto.stdout, /^regions\s+111$/m);
    assert.equal(JSON.parse(eng.stdout).method, "engine");
    assert.equal(JSON.parse(sk.stdout).method, "skeleton");
    assert.equal(JSON.parse(sk.stdout).regions, JSON.parse(eng.stdout).regions);
  });

  it("--complex writes vertices, edges and cells with sign vectors; a forced skeleton refuses what it cannot count", async () => {
    const out = join(dir, "complex.json");
    const r = await runCli(["count", fixturePath("random-2-16-s2"), "--complex", out, "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(c.cells.length, 95);
    assert.equal(c.vertices[0].signs.length, 16);
    assert.ok(c.edges.every((e: { v: number[] }) => e.v.every((v) => v >= 0 && v < c.vertices.length)));
    // Euler's formula for the planar complex: V − E + F = 1 (F: cells).
    assert.equal(c.vertices.length - c.edges.length + c.cells.length, 1);
    const bad = await runCli(["count", fixturePath("mnist-10-12-s1"), "--method", "skeleton", "--no-progress"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.match(bad.stderr, /1 to 4 inputs/);
  });
});
