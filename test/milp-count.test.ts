import { test } from "node:test";
import assert from "node:assert/strict";
import { uniformBox } from "../src/model/network.ts";
import { activationPatternAt, patternToString } from "../src/model/evaluate.ts";
import { countRegionsMilp, type MilpCheckpoint } from "../src/milp/count.ts";
import { loadHighs } from "../src/lp/highs.ts";
import type { RegionRecord } from "../src/count/types.ts";
import { mulberry32 } from "../src/util/random.ts";
import { linesNet, loadFixture, randomNet } from "./helpers/milp-nets.ts";

for (const name of ["random-1-8-8-s3", "random-2-8-8-s1", "random-2-16-s2", "random-3-6-6-6-s4"]) {
  test(`MILP count equals the fixture's regions: ${name}`, async () => {
    const { net, box, regions } = loadFixture(name);
    const found: RegionRecord[] = [];
    const r = await countRegionsMilp(net, { box, onRegion: (reg) => found.push(reg) });
    assert.equal(r.regions, regions);
    assert.equal(r.complete, true);
    assert.equal(r.method, "milp");
    assert.equal(found.length, regions);
    // Every reported point lies in its box and has the reported pattern; patterns are distinct.
    const seen = new Set<string>();
    for (const reg of found) {
      assert.ok(reg.radius > r.threshold);
      reg.point.forEach((v, k) => assert.ok(v >= box.lo[k] && v <= box.hi[k]));
      assert.equal(patternToString(activationPatternAt(net, reg.point)), patternToString(reg.pattern));
      seen.add(patternToString(reg.pattern));
    }
    assert.equal(seen.size, regions);
  });
}

test("hand-checked plane: lines x = 0, y = 0, x + y = 0.5 cross inside [-1, 1]² into 1 + 3 + 3 = 7 regions", async () => {
  const net = linesNet([
    [1, 0, 0],
    [0, 1, 0],
    [1, 1, -0.5],
  ]);
  const box = uniformBox(2, -1, 1);
  const patterns: string[] = [];
  const r = await countRegionsMilp(net, { box, onRegion: (reg) => patterns.push(patternToString(reg.pattern)) });
  assert.equal(r.regions, 7);
  // The one empty sign vector: x < 0, y < 0, x + y > 0.5.
  assert.ok(!patterns.includes("001"));
  // Both enumeration strategies agree.
  const nogood = await countRegionsMilp(net, { box, enumeration: "nogood" });
  assert.equal(nogood.regions, 7);
});

test("a line that only touches the box corner adds no region; parallel lines add one each", async () => {
  const box = uniformBox(2, -1, 1);
  // x + y = 2 meets [-1, 1]² only at (1, 1): no interior on its positive side.
  assert.equal((await countRegionsMilp(linesNet([[1, 1, -2]]), { box })).regions, 1);
  // Three parallel lines x = −0.5, 0, 0.5: 4 strips.
  const strips = linesNet([
    [1, 0, 0.5],
    [1, 0, 0],
    [1, 0, -0.5],
  ]);
  assert.equal((await countRegionsMilp(strips, { box })).regions, 4);
});

test("one hidden layer: leaky ReLU has ReLU's breakpoints, so the same weights give the same count", async () => {
  const relu = randomNet(5, [2, 8]);
  const leaky = randomNet(5, [2, 8], { kind: "leaky-relu", alpha: 0.1 });
  const box = uniformBox(2, -1, 1);
  const a = await countRegionsMilp(relu, { box }), b = await countRegionsMilp(leaky, { box });
  assert.ok(a.regions > 10);
  assert.equal(b.regions, a.regions);
});

test("deep leaky-ReLU net: every pattern met by 20,000 samples is a region found, with points inside", async () => {
  const net = randomNet(6, [2, 6, 6], { kind: "leaky-relu", alpha: 0.2 });
  const box = uniformBox(2, -1, 1);
  const found = new Set<string>();
  const r = await countRegionsMilp(net, {
    box,
    onRegion: (reg) => {
      assert.equal(patternToString(activationPatternAt(net, reg.point)), patternToString(reg.pattern));
      found.add(patternToString(reg.pattern));
    },
  });
  const rand = mulberry32(9);
  for (let i = 0; i < 20000; i++) {
    const p = patternToString(activationPatternAt(net, [2 * rand() - 1, 2 * rand() - 1]));
    assert.ok(found.has(p), `sampled pattern ${p} missing`);
  }
  assert.equal(found.size, r.regions);
});

test("the count does not move when the interior threshold moves by 10×", async () => {
  const { net, box, regions } = loadFixture("random-2-8-8-s1");
  for (const threshold of [1e-7, 1e-9]) assert.equal((await countRegionsMilp(net, { box, threshold })).regions, regions);
});

test("maxout networks are refused with a one-line error", async () => {
  const net = randomNet(1, [2, 3], { kind: "maxout", rank: 2 });
  await assert.rejects(countRegionsMilp(net, { box: uniformBox(2, -1, 1) }), /^ModelError: milp: maxout not supported$/m);
});

test("stop, checkpoint (JSON round trip) and resume give the uninterrupted total", async () => {
  const { net, box, regions } = loadFixture("random-3-6-6-6-s4");
  const highs = await loadHighs();
  let last: MilpCheckpoint | undefined;
  let checks = 0;
  const first = await countRegionsMilp(net, {
    box,
    highs,
    onCheckpoint: (c) => (last = JSON.parse(JSON.stringify(c)) as MilpCheckpoint),
    shouldStop: () => ++checks >= 3,
  });
  assert.equal(first.complete, false);
  assert.ok(last && last.pending.length > 0 && first.regions < regions);
  assert.equal(last.regions, first.regions);
  const patterns = new Set<string>();
  const second = await countRegionsMilp(net, { box, highs, resume: last, onRegion: (r) => patterns.add(patternToString(r.pattern)) });
  assert.equal(second.complete, true);
  assert.equal(second.regions, regions);
  assert.equal(patterns.size, regions - first.regions);
});

test("a checkpoint of another problem is refused", async () => {
  const a = loadFixture("random-2-8-8-s1"), b = loadFixture("random-2-16-s2");
  let cp: MilpCheckpoint | undefined;
  await countRegionsMilp(a.net, { box: a.box, onCheckpoint: (c) => (cp = c) });
  await assert.rejects(countRegionsMilp(b.net, { box: b.box, resume: cp }), /checkpoint belongs to another/);
});
