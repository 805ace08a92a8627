import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import { RegionEnumerator } from "../src/count/engine.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs, type Highs } from "../src/lp/highs.ts";
import { uniformBox, type Box, type Network } from "../src/model/network.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { BallDistanceFilter, countLocalRegions } from "../src/local/local-count.ts";
import { localUpperBound } from "../src/local/local-bound.ts";
import { nearestRegionBoundary } from "../src/local/region-boundary.ts";
import type { Ball, BallNorm } from "../src/local/ball.ts";
import { mulberry32 } from "../src/util/random.ts";
import { expectedOf, fixtureBytes } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";
import { polygonDistance } from "./helpers/local-oracle.ts";

let highs: Highs;
before(async () => {
  highs = await loadHighs();
});

const NORMS: BallNorm[] = ["2", "inf"];

function fixture(name: string): { net: Network; box: Box; regions: number; samples: number[][] } {
  const e = expectedOf(name);
  const net = parseOnnx(fixtureBytes(name), name);
  return { net, box: uniformBox(net.inputDim, e.box[0], e.box[1]), regions: e.regions!, samples: e.samples.map((s) => s.x) };
}

function boxCount(net: Network, box: Box): number {
  return countRegions(net, { box, exact: highsMarginSolver(highs) }).regions;
}

async function local(net: Network, ball: Ball, domain?: Box) {
  return countLocalRegions(net, ball, { domain, highs });
}

describe("exact local count", () => {
  it("a ball containing the whole box counts exactly the box's regions (fixtures, both norms)", async () => {
    for (const name of ["random-1-8-8-s3", "random-2-8-8-s1", "random-2-16-s2", "random-3-6-6-6-s4"]) {
      const { net, box, regions } = fixture(name);
      const center = new Float64Array(net.inputDim).fill(0.2);
      for (const norm of NORMS) {
        // Radius 3 covers [−1, 1]^n for n ≤ 3 in both norms (farthest vertex at ‖(1.2, …)‖_2 ≤ 2.1).
        const r = await local(net, { center, radius: 3, norm }, box);
        assert.equal(r.regions, regions, `${name}, ${norm}-norm`);
        assert.equal(r.clipped, true);
      }
    }
  });

  it("a ball containing the whole box counts exactly the box's regions (random nets, both norms)", async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const net = randomNet(100 + seed, 3 + (seed % 2), [7, 6]);
      const box = uniformBox(net.inputDim, -1, 1);
      const want = boxCount(net, box);
      for (const norm of NORMS) {
        const r = await local(net, { center: new Float64Array(net.inputDim), radius: 2.5, norm }, box);
        assert.equal(r.regions, want, `seed ${seed}, ${norm}-norm`);
      }
    }
  });

  it("a ball that leaves the domain is counted over ball ∩ domain (∞: the clipped box itself)", async () => {
    const { net, box } = fixture("random-2-16-s2");
    const center = Float64Array.of(0.9, -0.95);
    const r = await local(net, { center, radius: 0.4, norm: "inf" }, box);
    assert.equal(r.clipped, true);
    assert.equal(r.regions, boxCount(net, { lo: Float64Array.of(0.5, -1), hi: Float64Array.of(1, -0.55) }));
    const inside = await local(net, { center: Float64Array.of(0, 0), radius: 0.4, norm: "inf" }, box);
    assert.equal(inside.clipped, false);
  });

  it("a tiny ball around a point inside a region meets exactly that one region", async () => {
    for (const name of ["random-2-32-32-s5", "random-3-6-6-6-s4"]) {
      const { net, box, samples } = fixture(name);
      for (const x of samples) {
        const center = Float64Array.from(x);
        for (const norm of NORMS) {
          const near = nearestRegionBoundary(net, center, norm, box);
          const radius = 0.5 * Math.min(near.distance, near.domainFace);
          assert.ok(radius > 0);
          assert.equal((await local(net, { center, radius, norm }, box)).regions, 1, `${name} ${norm} r=${radius}`);
          assert.equal((await local(net, { center, radius: 1e-7, norm }, box)).regions, 1);
        }
      }
    }
  });

  it("2-D fixtures: the count equals the regions of the exact planar partition within distance r (second method)", async () => {
    const rand = mulberry32(11);
    for (const name of ["random-2-8-8-s1", "random-2-16-s2", "random-2-32-32-s5"]) {
      const { net, box } = fixture(name);
      const partition = planarPartition(net, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
      for (let trial = 0; trial < 3; trial++) {
        const cx = 2.4 * rand() - 1.2, cy = 2.4 * rand() - 1.2, radius = 0.05 + 0.6 * rand();
        for (const norm of NORMS) {
          const want = partition.regions.filter((p) => polygonDistance(p.polygon, cx, cy, norm) < radius).length;
          const got = await local(net, { center: Float64Array.of(cx, cy), radius, norm }, box);
          assert.equal(got.regions, want, `${name} (${cx.toFixed(3)}, ${cy.toFixed(3)}) r=${radius.toFixed(3)} ${norm}`);
        }
      }
    }
  });

  it("the local bound is never below the exact count (random ReLU, leaky ReLU and maxout nets, both norms)", async () => {
    const acts = [{ kind: "relu" }, { kind: "leaky-relu", alpha: 0.1 }, { kind: "maxout", rank: 2 }] as const;
    let checked = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const act = acts[seed % 3];
      const n0 = 2 + (seed % 3);
      const net = randomNet(200 + seed, n0, act.kind === "maxout" ? [4, 3] : [6, 5], 2, act);
      const box = uniformBox(n0, -1, 1);
      const rand = mulberry32(seed);
      const center = Float64Array.from({ length: n0 }, () => 1.6 * rand() - 0.8);
      for (const radius of [0.05, 0.2, 0.5, 1.5]) {
        for (const norm of NORMS) {
          const r = await local(net, { center, radius, norm }, box);
          const bound = localUpperBound(net, r.bounds!).value!;
          assert.ok(bound >= BigInt(r.regions), `seed ${seed} ${act.kind} r=${radius} ${norm}: bound ${bound} < ${r.regions}`);
          checked++;
        }
      }
    }
    assert.equal(checked, 48);
  });

  it("the 2-norm count is at most the ∞-norm count for the same radius (the 2-ball lies in the ∞-ball)", async () => {
    const rand = mulberry32(5);
    for (let seed = 1; seed <= 3; seed++) {
      const net = randomNet(300 + seed, 3, [8, 6]);
      const box = uniformBox(3, -1, 1);
      for (const radius of [0.1, 0.4, 0.9]) {
        const center = Float64Array.from({ length: 3 }, () => 1.6 * rand() - 0.8);
        const two = await local(net, { center, radius, norm: "2" }, box);
        const inf = await local(net, { center, radius, norm: "inf" }, box);
        assert.ok(two.regions <= inf.regions, `seed ${seed} r=${radius}: ${two.regions} > ${inf.regions}`);
        assert.ok(two.regions >= 1);
      }
    }
  });

  it("the count does not depend on LP tightening or on clipping when the ball is inside the domain", async () => {
    const { net, box } = fixture("random-2-32-32-s5");
    const ball: Ball = { center: Float64Array.of(0.1, 0.3), radius: 0.35, norm: "2" };
    const lp = await countLocalRegions(net, ball, { domain: box, highs, tightening: "lp" });
    const interval = await countLocalRegions(net, ball, { domain: box, highs, tightening: "interval" });
    const unclipped = await countLocalRegions(net, ball, { highs });
    assert.equal(lp.regions, interval.regions);
    assert.equal(lp.regions, unclipped.regions);
    assert.ok(lp.filter!.projections > 0, "the distance filter was exercised");
    assert.equal(lp.filter!.undecided, 0);
  });

  it("a 2-norm ball in 5-D (many hyperplanes per input): the search order does not change the count, every distance is settled", () => {
    // Regression: nearly dependent cell rows once sent Goldfarb–Idnani off (a negative step), the filter then decided
    // cells by an estimate and kept points outside the ball, and the count depended on the order of the search.
    const net = randomNet(105, 5, [6, 7], 2, { kind: "relu" }, 0.3);
    const box = uniformBox(5, -1, 1), center = new Float64Array(5).fill(0.2);
    const counts = [false, true].map((farthestFirst) => {
      const filter = new BallDistanceFilter(center, 0.6, box);
      const e = new RegionEnumerator(net, { box, exact: highsMarginSolver(highs), central: false, farthestFirst, acceptCell: filter.accept });
      let regions = 0;
      for (const t of e.splitTasks(16).tasks) regions += e.runTask(t);
      assert.equal(filter.stats.undecided, 0, `farthestFirst ${farthestFirst}`);
      assert.ok(filter.stats.projections > 100, "the projection was exercised");
      return regions;
    });
    assert.equal(counts[0], counts[1]);
  });
});

