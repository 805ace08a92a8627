import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import { PartitionVerifier } from "../src/count/verify.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { patternToString } from "../src/model/evaluate.ts";
import { uniformBox, type Activation, type Network } from "../src/model/network.ts";
import { skeletonCount } from "../src/skeleton/count.ts";
import { intervalCount, type IntervalRegion } from "../src/skeleton/intervals.ts";
import { runCli } from "./helpers/cli.ts";
import { expectedOf, fixtureBytes, fixturePath } from "./helpers/fixtures.ts";
import { addUnit, permuteUnits, randomNet, scaleUnit } from "./helpers/nets.ts";

const box = uniformBox(1, -1, 1);
const intervals = (net: Network) => intervalCount(net, { box }).regions;
const engine = (net: Network) => countRegions(net, { box }).regions;

/** Regions with their patterns, checked by the public verifier (interior points, margins, coverage by random points). */
function verified(net: Network): IntervalRegion[] {
  const regions: IntervalRegion[] = [];
  const v = new PartitionVerifier(net, box, { samples: 3000 });
  intervalCount(net, { box, onRegion: (r) => regions.push(r) });
  for (const r of regions) v.add(patternToString(r.pattern), r.point, r.radius);
  const report = v.finish();
  assert.ok(report.ok, report.problems.join("\n"));
  return regions;
}

describe("intervals: 1-input networks counted by breakpoints", () => {
  it("random-1-8-8-s3: 13 regions, as the fixture's oracle, the skeleton and the LP engine say", () => {
    const net = parseOnnx(fixtureBytes("random-1-8-8-s3"), "random-1-8-8-s3");
    assert.equal(expectedOf("random-1-8-8-s3").regions, 13);
    assert.equal(verified(net).length, 13);
    assert.equal(skeletonCount(net, { box }).regions, 13);
    assert.equal(engine(net), 13);
  });

  const kinds: [string, Activation][] = [
    ["ReLU", { kind: "relu" }],
    ["leaky ReLU", { kind: "leaky-relu", alpha: 0.1 }],
    ["maxout of rank 2", { kind: "maxout", rank: 2 }],
    ["maxout of rank 3", { kind: "maxout", rank: 3 }],
    ["maxout of rank 5", { kind: "maxout", rank: 5 }],
  ];
  for (const [label, act] of kinds) {
    it(`${label}: the same count as the LP engine on 3 seeded 1-12-10-8 networks, regions pass the verifier`, () => {
      for (const seed of [1, 2, 3]) {
        const net = randomNet(seed, 1, [12, 10, 8], 2, act);
        assert.equal(verified(net).length, engine(net), `seed ${seed}`);
        if (act.kind !== "maxout" || act.rank === 2) {
          const sk = skeletonCount(net, { box }), iv = intervalCount(net, { box });
          assert.equal(sk.regions, iv.regions, `skeleton, seed ${seed}`);
          assert.deepEqual([iv.stableActive, iv.stableInactive], [sk.stableActive, sk.stableInactive], `stable units, seed ${seed}`);
        }
      }
    });
  }

  it("consecutive regions tile the box: each region's interval starts where the previous one ends", () => {
    const regions = verified(randomNet(7, 1, [16, 16], 2));
    assert.equal(regions[0].lo, -1);
    assert.equal(regions[regions.length - 1].hi, 1);
    for (let k = 1; k < regions.length; k++) assert.ok(Math.abs(regions[k].lo - regions[k - 1].hi) < 1e-12, `region ${k}`);
  });
});

describe("intervals: metamorphic and degenerate cases", () => {
  const net = randomNet(11, 1, [10, 8], 2);
  const base = intervals(net);

  it("permuting a layer's units and scaling a unit by c > 0 keep the count", () => {
    assert.equal(intervals(permuteUnits(net, 0, [3, 1, 4, 0, 9, 2, 6, 5, 8, 7])), base);
    assert.equal(intervals(permuteUnits(net, 1, [7, 6, 5, 4, 3, 2, 1, 0])), base);
    assert.equal(intervals(scaleUnit(net, 0, 2, 1e3)), base);
    assert.equal(intervals(scaleUnit(net, 1, 5, 1e-3)), base);
  });

  it("a dead unit (negative on the whole box) adds no region and counts as always inactive", () => {
    const dead = addUnit(net, 0, [0.5], -3, [1, -1, 0.5, 2, -0.7, 0.3, 1.1, -2]);
    const r = intervalCount(dead, { box });
    assert.equal(r.regions, base);
    assert.equal(r.stableInactive[0], intervalCount(net, { box }).stableInactive[0] + 1);
  });

  it("a breakpoint placed exactly on another (the same zero, other slope and orientation) adds none", () => {
    const L = net.layers[0];
    const z = -L.bias[0] / L.weights[0];
    // Zero at the same z: weight −3 w0, bias −3 b0 (exactly representable), outgoing weights non-zero.
    const twin = addUnit(net, 0, [-3 * L.weights[0]], -3 * L.bias[0], [0.4, -0.2, 0.9, 0.1, -0.5, 0.3, 0.2, -0.8]);
    assert.ok(Math.abs(-twin.layers[0].bias[10] / twin.layers[0].weights[10] - z) < 1e-15);
    const r = intervals(twin);
    assert.equal(r, engine(twin));
    // Two units through x = 0 exactly (bias 0): one breakpoint; the count is the engine's.
    const zero = addUnit(addUnit(net, 0, [1], 0, [1, 0, 0, 0, 0, 0, 0, 0]), 0, [-2], 0, [0, 1, 0, 0, 0, 0, 0, 0]);
    assert.equal(intervals(zero), engine(zero));
  });

  it("a layer-2 breakpoint placed on a layer-1 breakpoint on purpose: counted as the LP engine counts it", () => {
    const L0 = net.layers[0], L1 = net.layers[1];
    // Unit 0 of layer 1 is active somewhere: find an active unit k at the breakpoint z of unit m, then set layer-2 unit 0
    // to a · h_k + c with its zero at z: a · (w_k z + b_k) + c = 0.
    const z = -L0.bias[1] / L0.weights[1];
    const k = [...Array(10).keys()].find((i) => i !== 1 && L0.weights[i] * z + L0.bias[i] > 0.1)!;
    const W = Float64Array.from(L1.weights);
    const b = Float64Array.from(L1.bias);
    W.fill(0, 0, 10);
    W[k] = 1.5;
    b[0] = -1.5 * (L0.weights[k] * z + L0.bias[k]);
    const placed: Network = { ...net, layers: [L0, { ...L1, weights: W, bias: b }, net.layers[2]] };
    assert.equal(intervals(placed), engine(placed));
    const iv = intervalCount(placed, { box }), sk = skeletonCount(placed, { box });
    assert.equal(iv.regions, sk.regions);
    // The unit changes sign at z (on a breakpoint already there): not stable, as the skeleton says too.
    assert.deepEqual([iv.stableActive, iv.stableInactive], [sk.stableActive, sk.stableInactive]);
  });

  it("a threshold below the breakpoints' resolution is refused, not answered", () => {
    assert.throws(() => intervalCount(net, { box, threshold: 1e-14 }), (e: Error) => e.name === "SkeletonUndecided");
  });
});

describe("tessera count on 1-input networks", () => {
  it("auto counts random-1-8-8-s3 with the skeleton (faster than intervals) and says so; --method intervals, skeleton and engine agree", async () => {
    const f = fixturePath("random-1-8-8-s3");
    const [auto, iv, sk, eng] = await Promise.all([
      runCli(["count", f, "--no-progress"]),
      runCli(["count", f, "--method", "intervals", "--json", "--no-progress"]),
      runCli(["count", f, "--method", "skeleton", "--json", "--no-progress"]),
      runCli(["count", f, "--method", "engine", "--json", "--no-progress"]),
    ]);
    for (const r of [auto, iv, sk, eng]) assert.equal(r.code, 0, r.stderr);
    assert.match(auto.stdout, /^method\s+skeleton .*auto/m);
    assert.match(auto.stdout, /^regions\s+13$/m);
    assert.equal(JSON.parse(iv.stdout).method, "intervals");
    for (const r of [iv, sk, eng]) assert.equal(JSON.parse(r.stdout).regions, 13);
  });

  it("auto on 1 input falls back to intervals where the skeleton does not count (a box far from unit scale), same count as the engine", async () => {
    const f = fixturePath("random-1-8-8-s3");
    const args = ["count", f, "--box=-100,100", "--threshold", "1e-6", "--json", "--no-progress"];
    const [auto, eng] = await Promise.all([runCli(args), runCli([...args, "--method", "engine"])]);
    for (const r of [auto, eng]) assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(auto.stdout).method, "intervals");
    assert.equal(JSON.parse(auto.stdout).regions, JSON.parse(eng.stdout).regions);
  });

  it("--method intervals on a 2-input model: one line naming the file, exit 2", async () => {
    const r = await runCli(["count", fixturePath("random-2-8-8-s1"), "--method", "intervals", "--no-progress"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, /random-2-8-8-s1.*1-input/);
  });
});
