import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { polygonArea } from "../src/geometry/polygon.ts";
import { clipToBox, sliceNetwork, slicePoint, sliceThrough, throughRect, validateSlice } from "../src/geometry/slice.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { evaluate, patternToString } from "../src/model/evaluate.ts";
import { uniformBox } from "../src/model/network.ts";
import { mulberry32 } from "../src/util/random.ts";
import { randomNet } from "./helpers/nets.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

describe("2-D slices of a network", () => {
  it("the sliced network at (u, v) has the original's output and pattern at o + u·a + v·b (ReLU, leaky, maxout)", () => {
    const rand = mulberry32(3);
    for (const act of [{ kind: "relu" }, { kind: "leaky-relu", alpha: 0.1 }, { kind: "maxout", rank: 3 }] as const) {
      const net = randomNet(9, 6, [7, 5], 3, act);
      const slice = { origin: Float64Array.from({ length: 6 }, rand), a: Float64Array.from({ length: 6 }, rand), b: Float64Array.from({ length: 6 }, rand) };
      const net2 = sliceNetwork(net, slice);
      assert.equal(net2.inputDim, 2);
      for (let s = 0; s < 50; s++) {
        const u = 4 * rand() - 2, v = 4 * rand() - 2;
        const here = evaluate(net2, [u, v]), there = evaluate(net, slicePoint(slice, u, v));
        assert.equal(patternToString(here.pattern), patternToString(there.pattern));
        here.output.forEach((y, i) => close(y, there.output[i], 1e-12));
      }
    }
  });

  it("the plane through three inputs puts them at (0,0), (1,0), (0,1)", () => {
    const x1 = [0.1, 0.2, 0.3], x2 = [1, 0, 0.5], x3 = [0, 1, 0.9];
    const s = sliceThrough(x1, x2, x3);
    for (const [[u, v], x] of [[[0, 0], x1], [[1, 0], x2], [[0, 1], x3]] as const) {
      slicePoint(s, u, v).forEach((xi, k) => close(xi, x[k]));
    }
    const r = throughRect();
    assert.ok(r.umin < 0 && r.vmin < 0 && r.umax > 1 && r.vmax > 1);
  });

  it("a slice along the input axes of a 2-input network partitions exactly like the network itself", () => {
    const net = randomNet(2, 2, [8, 8]);
    const rect = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
    const direct = planarPartition(net, rect);
    const sliced = planarPartition(sliceNetwork(net, { origin: Float64Array.of(0, 0), a: Float64Array.of(1, 0), b: Float64Array.of(0, 1) }), rect);
    assert.deepEqual(sliced.regions.map((r) => patternToString(r.pattern)).sort(), direct.regions.map((r) => patternToString(r.pattern)).sort());
  });

  it("clipping to the box: an axis plane through the centre of [0,1]³ is the unit square inside the rectangle", () => {
    const s = { origin: Float64Array.of(0.5, 0.5, 0.5), a: Float64Array.of(1, 0, 0), b: Float64Array.of(0, 1, 0) };
    const d = clipToBox({ umin: -1, umax: 2, vmin: -1, vmax: 2 }, s, uniformBox(3, 0, 1))!;
    close(polygonArea(d.poly, d.labels.length), 1);
    // A diagonal direction a = (1, 1, 0)/2 scaled: |u| ≤ 1 keeps both coordinates in [0, 1]: a 2 × 1 rectangle.
    const t = { origin: Float64Array.of(0.5, 0.5, 0.5), a: Float64Array.of(0.5, 0.5, 0), b: Float64Array.of(0, 0, 1) };
    close(polygonArea(clipToBox({ umin: -3, umax: 3, vmin: -3, vmax: 3 }, t, uniformBox(3, 0, 1))!.poly, 4), 2);
  });

  it("clipping to the box keeps a coordinate that sits on its bound all over the plane, and reports a plane that misses the box", () => {
    const s = { origin: Float64Array.of(0.5, 0.5, 0), a: Float64Array.of(1, 0, 0), b: Float64Array.of(0, 1, 0) };
    const d = clipToBox({ umin: -1, umax: 1, vmin: -1, vmax: 1 }, s, uniformBox(3, 0, 1))!;
    close(polygonArea(d.poly, d.labels.length), 1);
    const away = { origin: Float64Array.of(0.5, 0.5, 2), a: Float64Array.of(1, 0, 0), b: Float64Array.of(0, 1, 0) };
    assert.equal(clipToBox({ umin: -1, umax: 1, vmin: -1, vmax: 1 }, away, uniformBox(3, 0, 1)), undefined);
  });

  it("bad slices are rejected with one-line messages: wrong length, NaN, parallel directions", () => {
    const ok = { origin: Float64Array.of(0, 0, 0), a: Float64Array.of(1, 0, 0), b: Float64Array.of(0, 1, 0) };
    assert.throws(() => validateSlice({ ...ok, a: Float64Array.of(1, 0) }, 3), /a has 2 coordinates, the model takes 3/);
    assert.throws(() => validateSlice({ ...ok, b: Float64Array.of(0, NaN, 0) }, 3), /b: coordinate 1 is NaN/);
    assert.throws(() => validateSlice({ ...ok, b: Float64Array.of(2, 0, 0) }, 3), /do not span a plane/);
    assert.throws(() => sliceThrough([0, 0], [1, 1], [1, 1, 1]), /coordinates/);
  });
});
