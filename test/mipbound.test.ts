import { test } from "node:test";
import assert from "node:assert/strict";
import { uniformBox } from "../src/model/network.ts";
import { mipBound } from "../src/milp/mipbound.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { lpBounds } from "../src/tighten/lp.ts";
import { linesNet, loadFixture } from "./helpers/milp-nets.ts";

for (const name of ["random-1-8-8-s3", "random-2-16-s2"]) {
  test(`MIPBound never exceeds the exact count over 20 seeds: ${name}`, async () => {
    const highs = await loadHighs();
    const { net, box, regions } = loadFixture(name);
    const bounds = lpBounds(net, box, highs);
    let best = 0n;
    for (let seed = 1; seed <= 20; seed++) {
      const r = await mipBound(net, { box, seed, bounds, highs });
      assert.ok(r.lowerBound <= BigInt(regions), `seed ${seed}: ${r.lowerBound} > ${regions}`);
      assert.ok(r.distinctRegionsSeen <= regions);
      if (r.lowerBound > best) best = r.lowerBound;
    }
    // Within the paper's "same order of magnitude": the best of 20 seeds is within 10× of the exact count.
    assert.ok(best * 10n >= BigInt(regions), `best bound ${best} vs ${regions}`);
  });
}

test("MIPBound is deterministic for a seed and reports confidence 1 − 2^(−αt)", async () => {
  const { net, box } = loadFixture("random-2-8-8-s1");
  const a = await mipBound(net, { box, seed: 42, trials: 3, alpha: 2 });
  const b = await mipBound(net, { box, seed: 42, trials: 3, alpha: 2 });
  assert.equal(a.lowerBound, b.lowerBound);
  assert.equal(a.s, b.s);
  assert.equal(a.lowerBound, a.s >= 2 ? 1n << BigInt(a.s - 2) : 1n);
  if (a.s >= 2) assert.equal(a.confidence, 1 - 2 ** -6);
});

test("a single region (no hyperplane crosses the box) gives the certain bound 1", async () => {
  const r = await mipBound(linesNet([[1, 0, -5]]), { box: uniformBox(2, -1, 1), seed: 1 });
  assert.equal(r.lowerBound, 1n);
  assert.equal(r.confidence, 1);
});
