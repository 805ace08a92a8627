/**
 * The long cases of the engine's fixture counts (npm run test:long): the two large low-dimensional fixtures,
 * random-2-64-64-64-s7 (12,272 regions) and random-3-24-24-24-s8, counted as test/count-engine.test.ts counts the
 * others: with interval and LP bounds, at thresholds 10 times larger and smaller, and (in 2-D) with and without exact
 * cells, each against the independent HiGHS tree oracle's count in the fixture.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { countRegions, type EngineCountOptions } from "../../src/count/count.ts";
import type { ExactMarginSolver } from "../../src/count/engine.ts";
import { parseOnnx } from "../../src/io/onnx.ts";
import { highsMarginSolver } from "../../src/lp/highs-margin.ts";
import { loadHighs } from "../../src/lp/highs.ts";
import { uniformBox, type Box, type Network } from "../../src/model/network.ts";
import { lpBounds } from "../../src/tighten/lp.ts";
import { expectedOf, fixtureBytes } from "../helpers/fixtures.ts";

/** Kept in step with LARGE_FIXTURES in test/count-engine.test.ts (not imported: that would run its suites here). */
const LARGE_FIXTURES = ["random-2-64-64-64-s7", "random-3-24-24-24-s8"];

let exact: ExactMarginSolver;
before(async () => {
  exact = highsMarginSolver(await loadHighs());
});

function count(net: Network, box: Box, extra: Partial<EngineCountOptions> = {}): number {
  return countRegions(net, { box, exact, ...extra }).regions;
}

describe("exact counts on the large fixtures (independent SciPy/HiGHS implementation)", () => {
  for (const name of LARGE_FIXTURES) {
    const e = expectedOf(name);
    const net = parseOnnx(fixtureBytes(name), name);
    const box = uniformBox(net.inputDim, e.box[0], e.box[1]);

    it(`${name}: the count equals the fixture's regions, with interval and LP bounds`, async () => {
      assert.ok(e.regions !== undefined);
      assert.equal(count(net, box), e.regions);
      assert.equal(count(net, box, { bounds: lpBounds(net, box, await loadHighs()) }), e.regions);
    });

    it(`${name}: the count is stable when the interior threshold moves by a factor of 10 either way`, () => {
      for (const threshold of [1e-7, 1e-9]) assert.equal(count(net, box, { threshold }), e.regions, `${name} at ${threshold}`);
    });

    if (e.input_dim <= 2) {
      it(`${name}: the exact cells skip LPs of empty children without changing the count`, () => {
        const withCells = countRegions(net, { box, exact });
        const lpOnly = countRegions(net, { box, exact, exactCells: false });
        assert.equal(withCells.regions, e.regions);
        assert.equal(lpOnly.regions, e.regions);
        assert.ok(withCells.stats.cellRefutations > 0 && withCells.lps < lpOnly.lps, name);
      });
    }
  }
});
