/**
 * Metamorphic tests of the local analysis (tessera local): its counts and boundary distances do not depend on the
 * units of the weights or of the inputs. Zero-normal thresholds are relative (zeroRowThresholds), so scaling every
 * layer by 1e-6 or 1e6 changes nothing; scaling the inputs by c (the first layer divided by c) changes no count and
 * multiplies every distance by c. Every random source is seeded.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { loadHighs, type Highs } from "../src/lp/highs.ts";
import { hiddenLayers, uniformBox, type Box, type Network } from "../src/model/network.ts";
import { analyzeBall } from "../src/local/analyze.ts";
import { nearestRegionBoundary } from "../src/local/region-boundary.ts";
import { distanceToClassBoundary } from "../src/local/class-boundary.ts";
import type { BallNorm } from "../src/local/ball.ts";
import { randomNet, scaleLayers } from "./helpers/nets.ts";

let highs: Highs;
before(async () => {
  highs = await loadHighs();
});

/** Inputs x′ = c·x: the first layer's weights divided by c compute the same function of x′ as the net of x. */
function scaleInputs(net: Network, c: number): Network {
  const [first, ...rest] = net.layers;
  return { inputDim: net.inputDim, layers: [{ ...first, weights: first.weights.map((w) => w / c) }, ...rest] };
}

/** Relative agreement of two distances (both Infinity counts as agreement). */
function close(a: number, b: number, rel: number, what: string): void {
  if (a === Infinity || b === Infinity) return assert.equal(a, b, what);
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
}

/** Distances are compared to this relative precision: the projections certify brackets of 1e-10 relative width, and
 * HiGHS's ∞-norm optimum is lowered by LINF_LP_MARGIN = 1e-8 (absolute, in input units of order 1 here). */
const DISTANCE_REL = 1e-6;

const NETS: { name: string; net: Network }[] = [
  { name: "2-8-8-3 relu", net: randomNet(11, 2, [8, 8], 3) },
  { name: "3-6-6-3 leaky relu", net: randomNet(12, 3, [6, 6], 3, { kind: "leaky-relu", alpha: 0.1 }) },
  { name: "2-5-4-3 maxout(2)", net: randomNet(13, 2, [5, 4], 3, { kind: "maxout", rank: 2 }) },
];
const NORMS: BallNorm[] = ["2", "inf"];

async function analysis(net: Network, center: Float64Array, radius: number, norm: BallNorm, domain: Box) {
  const a = await analyzeBall(net, { center, radius, norm }, { domain, highs, tightening: "interval" });
  return {
    regions: a.regions,
    bound: a.bound.value,
    region: a.regionBoundary,
    cls: a.classBoundary!,
  };
}

describe("local analysis is invariant under positive scaling of the layers (relative zero thresholds)", () => {
  for (const { name, net } of NETS) {
    it(`${name}: every layer × 1e-6 or × 1e6 gives the same count, bound, nearest unit and distances (both norms)`, async () => {
      const n = net.inputDim, domain = uniformBox(n, -1, 1);
      const center = Float64Array.from({ length: n }, (_, j) => 0.1 * (j + 1) - 0.15);
      const L = net.layers.length;
      const scalings = [
        Array(L).fill(1e-6),
        Array(L).fill(1e6),
        Array.from({ length: L }, (_, l) => (l % 2 ? 1e6 : 1e-6)),
      ];
      for (const norm of NORMS) {
        const base = await analysis(net, center, 0.4, norm, domain);
        assert.ok(base.regions > 1, `${name}: the ball meets several regions`);
        for (const c of scalings) {
          const s = await analysis(scaleLayers(net, c), center, 0.4, norm, domain);
          const what = `${name}, ${norm}-norm, layers × [${c.join(", ")}]`;
          assert.equal(s.regions, base.regions, `${what}: regions`);
          assert.equal(s.bound, base.bound, `${what}: local bound`);
          assert.deepEqual([s.region.layer, s.region.unit, s.region.piece], [base.region.layer, base.region.unit, base.region.piece], `${what}: nearest unit`);
          close(s.region.distance, base.region.distance, DISTANCE_REL, `${what}: region boundary`);
          assert.equal(s.cls.predicted, base.cls.predicted, `${what}: predicted class`);
          assert.equal(s.cls.exact, base.cls.exact, `${what}: exactness`);
          close(s.cls.distance, base.cls.distance, DISTANCE_REL, `${what}: class boundary`);
        }
      }
    });
  }

  it("a first layer of weights 1e-13 still cuts: the nearest boundary is found (was Infinity under the absolute 1e-12 cut-off)", () => {
    const net = randomNet(14, 2, [6, 6], 2);
    const tiny = scaleLayers(net, [1e-13, 1, 1]);
    const x = Float64Array.of(0.2, -0.3);
    for (const norm of NORMS) {
      const a = nearestRegionBoundary(net, x, norm), b = nearestRegionBoundary(tiny, x, norm);
      assert.ok(Number.isFinite(a.distance));
      close(b.distance, a.distance, 1e-9, `${norm}-norm`);
      assert.deepEqual([b.layer, b.unit], [a.layer, a.unit]);
    }
  });

  it("a class margin of weights 1e-13 is still a boundary: the class boundary distance is unchanged (was 0.398 for 0.369: margins under the absolute cut-off were dropped)", async () => {
    const net = randomNet(15, 2, [6, 6], 3);
    const tiny = scaleLayers(net, [1, 1, 1e-13]);
    const x = Float64Array.of(0.1, 0.2), domain = uniformBox(2, -1, 1);
    const a = await distanceToClassBoundary(net, x, "2", { domain, highs });
    const b = await distanceToClassBoundary(tiny, x, "2", { domain, highs });
    assert.ok(Number.isFinite(a.distance) && a.exact);
    close(b.distance, a.distance, DISTANCE_REL, "class boundary");
    assert.equal(b.otherClass, a.otherClass);
  });

  it("a unit that is constant on the region is still skipped: a dead-weight row (exact zeros) cuts nothing", () => {
    const net = randomNet(16, 2, [3], 2);
    const hidden = hiddenLayers(net)[0];
    hidden.weights.fill(0); // every unit constant: no hyperplane anywhere
    assert.equal(nearestRegionBoundary(net, Float64Array.of(0, 0), "2").distance, Infinity);
  });
});

describe("local analysis under a change of input units (x′ = c·x, first layer ÷ c)", () => {
  for (const { name, net } of NETS) {
    it(`${name}: c = 1e-3 and 1e3 give the same count and bound; distances scale by c (both norms)`, async () => {
      const n = net.inputDim;
      const center = Float64Array.from({ length: n }, (_, j) => 0.1 * (j + 1) - 0.15);
      for (const norm of NORMS) {
        const base = await analysis(net, center, 0.4, norm, uniformBox(n, -1, 1));
        for (const c of [1e-3, 1e3]) {
          const s = await analysis(scaleInputs(net, c), center.map((v) => v * c), 0.4 * c, norm, uniformBox(n, -c, c));
          const what = `${name}, ${norm}-norm, inputs × ${c}`;
          assert.equal(s.regions, base.regions, `${what}: regions`);
          assert.equal(s.bound, base.bound, `${what}: local bound`);
          close(s.region.distance / c, base.region.distance, DISTANCE_REL, `${what}: region boundary`);
          // The ∞-norm LP's margin is absolute (1e-8 of input units): it is compared at the scale of the larger one.
          const rel = norm === "inf" ? Math.max(DISTANCE_REL, 1e-7 / Math.min(1, c)) : DISTANCE_REL;
          close(s.cls.distance / c, base.cls.distance, rel, `${what}: class boundary`);
        }
      }
    });
  }
});
