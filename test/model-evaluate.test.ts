import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseOnnx } from "../src/io/onnx.ts";
import { affineMapOf, applyAffine, applyDense, evaluate, forward, patternToString, regionForms } from "../src/model/evaluate.ts";
import type { Network } from "../src/model/network.ts";
import { outputWidthOf } from "../src/model/network.ts";
import { mulberry32 } from "../src/util/random.ts";
import { expectedOf, fixtureBytes, fixtureNames } from "./helpers/fixtures.ts";

/** Affine-form agreement tolerance: forms and forward passes add the same float64 terms in different orders. */
const FORM_TOLERANCE = 1e-9;

function close(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > FORM_TOLERANCE * Math.max(1, Math.abs(b[i]))) return false;
  return true;
}

/** Every hidden pre-activation vector at x, by a plain forward pass. */
function preActivations(net: Network, x: ArrayLike<number>): Float64Array[] {
  const out: Float64Array[] = [];
  let h = Float64Array.from(x);
  for (const layer of net.layers.slice(0, -1)) {
    const g = applyDense(layer, h, new Float64Array(layer.outDim));
    out.push(g);
    const next = new Float64Array(outputWidthOf(layer));
    const a = layer.activation;
    for (let i = 0; i < next.length; i++) {
      if (a.kind === "relu") next[i] = Math.max(0, g[i]);
      else if (a.kind === "leaky-relu") next[i] = g[i] > 0 ? g[i] : a.alpha * g[i];
      else if (a.kind === "maxout") next[i] = Math.max(...g.subarray(i * a.rank, (i + 1) * a.rank));
      else next[i] = g[i];
    }
    h = next;
  }
  return out;
}

function checkFormsAt(net: Network, x: number[]): void {
  const { output, pattern } = evaluate(net, x);
  const forms = regionForms(net, pattern);
  assert.ok(close(applyAffine(affineMapOf(net, pattern), x), output), "J x + c = f(x)");
  const pre = preActivations(net, x);
  forms.preActivations.forEach((form, l) => assert.ok(close(applyAffine(form, x), pre[l]), `layer ${l} pre-activation form`));
}

describe("region affine forms on the fixtures", () => {
  for (const name of fixtureNames()) {
    it(`${name}: at seeded random points in the box, J x + c = f(x) and every pre-activation form matches`, () => {
      const net = parseOnnx(fixtureBytes(name), name);
      const { box, samples } = expectedOf(name);
      const rand = mulberry32(net.inputDim * 7919 + samples.length);
      const count = net.inputDim > 100 ? 5 : 40;
      for (let p = 0; p < count; p++) checkFormsAt(net, Array.from({ length: net.inputDim }, () => box[0] + (box[1] - box[0]) * rand()));
      for (const s of samples) checkFormsAt(net, s.x);
    });
  }
});

describe("hand-built leaky-ReLU and maxout networks", () => {
  // h = leaky(x, −x) with α = 0.1; y = h₁ + h₂. For x > 0: y = x − 0.1x = 0.9x; for x < 0: y = 0.1x − x = −0.9x.
  const leaky: Network = {
    inputDim: 1,
    layers: [
      { inDim: 1, outDim: 2, weights: Float64Array.from([1, -1]), bias: new Float64Array(2), activation: { kind: "leaky-relu", alpha: 0.1 } },
      { inDim: 2, outDim: 1, weights: Float64Array.from([1, 1]), bias: new Float64Array(1), activation: { kind: "identity" } },
    ],
  };

  it("leaky ReLU: f(2) = 1.8 with pattern 10 and J = 0.9; f(−3) = 2.7 with pattern 01 and J = −0.9", () => {
    const a = evaluate(leaky, [2]);
    assert.ok(Math.abs(a.output[0] - 1.8) < 1e-15);
    assert.equal(patternToString(a.pattern), "10");
    const mapA = affineMapOf(leaky, a.pattern);
    assert.ok(Math.abs(mapA.J[0] - 0.9) < 1e-15 && mapA.c[0] === 0);
    const b = evaluate(leaky, [-3]);
    assert.ok(Math.abs(b.output[0] - 2.7) < 1e-15);
    assert.equal(patternToString(b.pattern), "01");
    assert.ok(Math.abs(affineMapOf(leaky, b.pattern).J[0] + 0.9) < 1e-15);
  });

  // u₀ = max(x₁, x₂), u₁ = max(x₁ + x₂, 1 − x₁ − x₂); y = u₀ + u₁ + 0.5.
  const maxout: Network = {
    inputDim: 2,
    layers: [
      { inDim: 2, outDim: 4, weights: Float64Array.from([1, 0, 0, 1, 1, 1, -1, -1]), bias: Float64Array.from([0, 0, 0, 1]), activation: { kind: "maxout", rank: 2 } },
      { inDim: 2, outDim: 1, weights: Float64Array.from([1, 1]), bias: Float64Array.from([0.5]), activation: { kind: "identity" } },
    ],
  };

  it("maxout at (1, 2): pattern 10, y = 5.5, J = (1, 2), c = 0.5; pre-activation form = (W, b)", () => {
    const { output, pattern } = evaluate(maxout, [1, 2]);
    assert.equal(patternToString(pattern), "10");
    assert.equal(output[0], 5.5);
    const forms = regionForms(maxout, pattern);
    assert.deepEqual(Array.from(forms.output.J), [1, 2]);
    assert.deepEqual(Array.from(forms.output.c), [0.5]);
    assert.deepEqual(Array.from(forms.preActivations[0].J), [1, 0, 0, 1, 1, 1, -1, -1]);
    assert.deepEqual(Array.from(forms.preActivations[0].c), [0, 0, 0, 1]);
  });

  it("maxout at (−1, −2): pattern 01, y = −1 + 4 + 0.5 = 3.5, J = (0, −1)", () => {
    const { output, pattern } = evaluate(maxout, [-1, -2]);
    assert.equal(patternToString(pattern), "01");
    assert.equal(output[0], 3.5);
    assert.deepEqual(Array.from(affineMapOf(maxout, pattern).J), [0, -1]);
    assert.deepEqual(Array.from(affineMapOf(maxout, pattern).c), [1.5]);
  });

  it("random points on a deep leaky + maxout + ReLU net satisfy the affine forms", () => {
    const rand = mulberry32(42);
    const w = (n: number) => Float64Array.from({ length: n }, () => 2 * rand() - 1);
    const net: Network = {
      inputDim: 3,
      layers: [
        { inDim: 3, outDim: 6, weights: w(18), bias: w(6), activation: { kind: "leaky-relu", alpha: 0.05 } },
        { inDim: 6, outDim: 9, weights: w(54), bias: w(9), activation: { kind: "maxout", rank: 3 } },
        { inDim: 3, outDim: 4, weights: w(12), bias: w(4), activation: { kind: "relu" } },
        { inDim: 4, outDim: 2, weights: w(8), bias: w(2), activation: { kind: "identity" } },
      ],
    };
    for (let p = 0; p < 100; p++) {
      const x = [0, 0, 0].map(() => 4 * rand() - 2);
      checkFormsAt(net, x);
      assert.ok(close(forward(net, x), evaluate(net, x).output));
    }
  });
});
