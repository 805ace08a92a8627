import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseOnnx } from "../src/io/onnx.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { uniformBox } from "../src/model/network.ts";
import { stableUnitsFromBounds } from "../src/tighten/interval.ts";
import { lpBounds } from "../src/tighten/lp.ts";
import { unitsSeenUnstable } from "../src/tighten/sampled.ts";
import { expectedOf, fixtureBytes, fixtureNames } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";

describe("skipping the LPs of units seen taking both signs", () => {
  it("finds the same stable units as full LP tightening, on every small fixture and random nets", async () => {
    const highs = await loadHighs();
    const nets = fixtureNames()
      .filter((n) => !n.startsWith("mnist"))
      .map((n) => ({ net: parseOnnx(fixtureBytes(n), n), box: expectedOf(n).box }))
      .concat([0, 1, 2, 3].map((s) => ({ net: randomNet(500 + s, 2, [8, 8, 8], 2, { kind: "relu" }, 2), box: [-1, 1] as [number, number] })));
    for (const { net, box: [lo, hi] } of nets) {
      const box = uniformBox(net.inputDim, lo, hi);
      const full = { lps: 0 }, skipped = { lps: 0 };
      const a = stableUnitsFromBounds(net, lpBounds(net, box, highs, { stats: full }));
      const b = stableUnitsFromBounds(net, lpBounds(net, box, highs, { stats: skipped, knownUnstable: unitsSeenUnstable(net, box) }));
      assert.deepEqual(b, a);
      assert.ok(skipped.lps <= full.lps);
    }
  });

  it("marks a unit only when it is positive at one point and negative at another (a hand-made net)", () => {
    // Unit 0: x (both signs on [−1, 1]); unit 1: x + 2 (always positive); unit 2: −x − 2 (always negative).
    const net = {
      inputDim: 1,
      layers: [
        { inDim: 1, outDim: 3, weights: Float64Array.from([1, 1, -1]), bias: Float64Array.from([0, 2, -2]), activation: { kind: "relu" as const } },
        { inDim: 3, outDim: 1, weights: Float64Array.from([1, 1, 1]), bias: Float64Array.from([0]), activation: { kind: "identity" as const } },
      ],
    };
    assert.deepEqual(Array.from(unitsSeenUnstable(net, uniformBox(1, -1, 1))[0]), [1, 0, 0]);
  });
});
