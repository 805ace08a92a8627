/**
 * The ONNX graph compiler (src/io/onnx.ts): the torch 2.13 exports in ../shared/fixtures/torch, each lowering
 * against a direct evaluation of the operator at random points, the residual net's count by three methods, a CNN
 * against its dense twin, and bad graphs refused in one line.
 */
import { mulberry32 } from "../src/util/random.ts";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { sliceNetwork, sliceThrough } from "../src/geometry/slice.ts";
import { loadModel } from "../src/io/load.ts";
import { parseOnnx, parseOnnxModel } from "../src/io/onnx.ts";
import { parseTesseraJson, stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { forward } from "../src/model/evaluate.ts";
import { lowerOnBox } from "../src/model/lower.ts";
import { type Network, hasPerUnitLayers, uniformBox } from "../src/model/network.ts";
import { ModelError } from "../src/model/validate.ts";
import { countRegionsMilp } from "../src/milp/count.ts";
import * as tf from "@tensorflow/tfjs";
import { parseTfjs } from "../src/io/tfjs.ts";
import { readFiles } from "../web/src/files.ts";
import { type GraphSpec, INT64, type NodeSpec, type TensorSpec, tensorBytes, writeOnnx } from "./helpers/onnx-writer.ts";

const TORCH = new URL("../../shared/fixtures/torch/", import.meta.url).pathname;
const TORCH_FIXTURES = [
  "bn-3-12-12-1-dynamo", "bn-3-12-12-1-legacy", "cnn-12-dynamo", "cnn-28-legacy", "leaky-prelu-2-10-10-2-dynamo",
  "mlp-2-16-16-2-dynamo", "mlp-2-16-16-2-legacy", "mnist-flatten-10-10-dynamo-dynbatch", "mnist-view-8-8-dynamo", "resmlp-2-12-dynamo",
];
/**
 * The tolerance for torch's float64 outputs: 1e-6 relative to the sample's largest output. (Exporters fold
 * BatchNorm into float32 weights, which moves outputs by ~1e-8 of their scale; per-entry relative error is
 * meaningless for an output that happens to be near 0.)
 */
const TORCH_RELATIVE = 1e-6;
/** Lowerings are exact up to float64 rounding of sums of a few hundred terms of size ~1. */
const LOWERING_ABSOLUTE = 1e-9;

interface TorchExpected {
  box: [number, number];
  input_shape: number[];
  samples: { x: number[]; y: number[] }[];
  regions?: number;
}
const expectedOf = (name: string): TorchExpected => JSON.parse(readFileSync(join(TORCH, `${name}.expected.json`), "utf8"));

const rng = mulberry32;
const randoms = (rand: () => number, n: number, scale = 1) => Array.from({ length: n }, () => scale * (2 * rand() - 1));

describe("torch 2.13 exports (../shared/fixtures/torch)", () => {
  for (const name of TORCH_FIXTURES) {
    it(`${name}: loads (with its .onnx.data) and eval matches torch's 12 outputs to 1e-6 of their scale`, async () => {
      const { network } = await loadModel(join(TORCH, `${name}.onnx`));
      const e = expectedOf(name);
      assert.equal(network.inputDim, e.input_shape.slice(1).reduce((a, b) => a * b, 1));
      for (const s of e.samples) {
        const y = forward(network, s.x);
        const scale = Math.max(...s.y.map(Math.abs));
        y.forEach((v, i) => assert.ok(Math.abs(v - s.y[i]) <= TORCH_RELATIVE * scale, `output ${i}: ${v} vs ${s.y[i]}`));
      }
    });
  }
  for (const name of TORCH_FIXTURES.filter((n) => expectedOf(n).regions !== undefined)) {
    it(`${name}: the engine's count equals the HiGHS tree oracle's`, async () => {
      const { network } = await loadModel(join(TORCH, `${name}.onnx`));
      const e = expectedOf(name);
      const box = uniformBox(network.inputDim, e.box[0], e.box[1]);
      assert.equal(countRegions(network, { box }).regions, e.regions);
    });
  }
  it("resmlp-2-12: the residual block is carried by pass-through units, and the engine, the planar partition and the MILP count the same regions", async () => {
    const { network } = await loadModel(join(TORCH, "resmlp-2-12-dynamo.onnx"));
    assert.ok(hasPerUnitLayers(network));
    const box = uniformBox(2, -1, 1);
    const lowered = lowerOnBox(network, box).network;
    const engine = countRegions(lowered, { box }).regions;
    const planar = planarPartition(lowered, { umin: -1, umax: 1, vmin: -1, vmax: 1 }).regions.length;
    const milp = (await countRegionsMilp(lowered, { box })).regions;
    assert.equal(planar, engine);
    assert.equal(milp, engine);
    assert.equal(engine, 185);
  });
  it("the counting engine refuses a network with pass-through units that was not lowered, in one line", async () => {
    const { network } = await loadModel(join(TORCH, "resmlp-2-12-dynamo.onnx"));
    assert.throws(() => countRegions(network, { box: uniformBox(2, -1, 1) }), (err: Error) => err instanceof ModelError && /per-unit activations/.test(err.message) && !err.message.includes("\n"));
  });
  it("info's provenance names the exporter and opset and counts parameters as torch does", async () => {
    const { onnx } = await loadModel(join(TORCH, "cnn-28-legacy.onnx"));
    assert.equal(onnx?.producer, "pytorch");
    assert.deepEqual(onnx?.opsets, [{ domain: "", version: 17 }]);
    // conv 4·1·5·5 + 4, conv 6·4·3·3 + 6, linear 16·216 + 16, linear 10·16 + 10
    assert.equal(onnx?.rows.reduce((t, r) => t + r.parameters, 0), 104 + 222 + 3472 + 170);
    assert.deepEqual(onnx?.rows.map((r) => r.op), ["Conv", "Relu", "AveragePool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"]);
  });
});

// ---- Direct evaluation of the operators on [C, H, W] arrays (the oracle for the lowerings). ----

type Img = { c: number; h: number; w: number; v: Float64Array };
const at = (x: Img, c: number, i: number, j: number) => (i < 0 || j < 0 || i >= x.h || j >= x.w ? 0 : x.v[(c * x.h + i) * x.w + j]);
interface Win { kh: number; kw: number; sh: number; sw: number; pt: number; pl: number; pb: number; pr: number; dh: number; dw: number }
const outSize = (n: number, k: number, s: number, p0: number, p1: number, d: number) => Math.floor((n + p0 + p1 - (k - 1) * d - 1) / s) + 1;
function conv(x: Img, W: number[], b: number[], m: number, g: number, o: Win): Img {
  const cg = x.c / g, oh = outSize(x.h, o.kh, o.sh, o.pt, o.pb, o.dh), ow = outSize(x.w, o.kw, o.sw, o.pl, o.pr, o.dw);
  const v = new Float64Array(m * oh * ow);
  for (let f = 0; f < m; f++) {
    const grp = Math.floor(f / (m / g));
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let s = b[f];
      for (let cc = 0; cc < cg; cc++) for (let a = 0; a < o.kh; a++) for (let bb = 0; bb < o.kw; bb++) {
        s += W[((f * cg + cc) * o.kh + a) * o.kw + bb] * at(x, grp * cg + cc, i * o.sh - o.pt + a * o.dh, j * o.sw - o.pl + bb * o.dw);
      }
      v[(f * oh + i) * ow + j] = s;
    }
  }
  return { c: m, h: oh, w: ow, v };
}
function pool(x: Img, o: Win, kind: "max" | "avg" | "avg-pad"): Img {
  const oh = outSize(x.h, o.kh, o.sh, o.pt, o.pb, 1), ow = outSize(x.w, o.kw, o.sw, o.pl, o.pr, 1);
  const v = new Float64Array(x.c * oh * ow);
  for (let c = 0; c < x.c; c++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let s = 0, n = 0, best = -Infinity;
    for (let a = 0; a < o.kh; a++) for (let bb = 0; bb < o.kw; bb++) {
      const ii = i * o.sh - o.pt + a, jj = j * o.sw - o.pl + bb;
      if (ii < 0 || jj < 0 || ii >= x.h || jj >= x.w) continue;
      s += at(x, c, ii, jj);
      n++;
      best = Math.max(best, at(x, c, ii, jj));
    }
    v[(c * oh + i) * ow + j] = kind === "max" ? best : s / (kind === "avg-pad" ? o.kh * o.kw : n);
  }
  return { c: x.c, h: oh, w: ow, v };
}
const map = (x: Img, f: (v: number, c: number) => number): Img => ({ ...x, v: x.v.map((v, i) => f(v, Math.floor(i / (x.h * x.w)))) });

const t = (name: string, dims: number[], values: number[], dataType?: number): TensorSpec => ({ name, dims, values, ...(dataType ? { dataType } : {}) });
const graph = (inputDims: (number | string)[], nodes: NodeSpec[], initializers: TensorSpec[]): GraphSpec => ({
  nodes, initializers, inputs: [{ name: "x", dims: inputDims }], outputs: [{ name: "y" }],
});
/** Compare the compiled network with the oracle at random inputs in [−1, 1]. */
function checkAgainst(net: Network, n: number, oracle: (x: Float64Array) => ArrayLike<number>, seed: number, points = 20): void {
  const rand = rng(seed);
  for (let p = 0; p < points; p++) {
    const x = Float64Array.from(randoms(rand, n));
    const want = oracle(x), got = forward(net, x);
    assert.equal(got.length, want.length);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= LOWERING_ABSOLUTE * Math.max(1, Math.abs(want[i])), `point ${p}, output ${i}: ${got[i]} vs ${want[i]}`);
  }
}
const f32 = (v: number[]) => Array.from(Float32Array.from(v));

describe("each lowering agrees with direct evaluation at random points", () => {
  it("Conv with stride, asymmetric padding, dilation and groups (then ReLU) equals the direct convolution", () => {
    const rand = rng(1);
    const W = f32(randoms(rand, 4 * 1 * 3 * 2)), b = f32(randoms(rand, 4));
    const o: Win = { kh: 3, kw: 2, sh: 2, sw: 1, pt: 1, pl: 0, pb: 2, pr: 1, dh: 1, dw: 2 };
    const net = parseOnnx(writeOnnx(graph([1, 2, 7, 6], [
      { op: "Conv", inputs: ["x", "W", "b"], outputs: ["c"], attrs: { group: { i: 2 }, strides: { ints: [2, 1] }, pads: { ints: [1, 0, 2, 1] }, dilations: { ints: [1, 2] }, kernel_shape: { ints: [3, 2] } } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "Flatten", inputs: ["r"], outputs: ["y"] },
    ], [t("W", [4, 1, 3, 2], W), t("b", [4], b)])), "conv.onnx");
    checkAgainst(net, 84, (x) => map(conv({ c: 2, h: 7, w: 6, v: x }, W, b, 4, 2, o), (v) => Math.max(0, v)).v, 2);
  });
  it("Conv with auto_pad SAME_UPPER keeps the spatial size (ceil(n / stride))", () => {
    const rand = rng(3);
    const W = f32(randoms(rand, 2 * 3 * 3 * 3));
    const net = parseOnnx(writeOnnx(graph([1, 3, 5, 5], [
      { op: "Conv", inputs: ["x", "W"], outputs: ["y"], attrs: { auto_pad: { s: "SAME_UPPER" }, kernel_shape: { ints: [3, 3] } } },
    ], [t("W", [2, 3, 3, 3], W)])), "same.onnx");
    checkAgainst(net, 75, (x) => conv({ c: 3, h: 5, w: 5, v: x }, W, [0, 0], 2, 1, { kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, pb: 1, pr: 1, dh: 1, dw: 1 }).v, 4);
  });
  it("AveragePool with padding (count_include_pad 0 and 1) and GlobalAveragePool equal direct averages", () => {
    for (const include of [0, 1]) {
      const o: Win = { kh: 3, kw: 2, sh: 2, sw: 2, pt: 1, pl: 1, pb: 1, pr: 0, dh: 1, dw: 1 };
      const net = parseOnnx(writeOnnx(graph([1, 2, 6, 5], [
        { op: "AveragePool", inputs: ["x"], outputs: ["a"], attrs: { kernel_shape: { ints: [3, 2] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 0] }, count_include_pad: { i: include } } },
        { op: "Relu", inputs: ["a"], outputs: ["r"] },
        { op: "GlobalAveragePool", inputs: ["r"], outputs: ["y"] },
      ], [])), "avg.onnx");
      checkAgainst(net, 60, (x) => {
        const r = map(pool({ c: 2, h: 6, w: 5, v: x }, o, include ? "avg-pad" : "avg"), (v) => Math.max(0, v));
        return [0, 1].map((c) => r.v.slice(c * r.h * r.w, (c + 1) * r.h * r.w).reduce((s, v) => s + v, 0) / (r.h * r.w));
      }, 5 + include);
    }
  });
  it("MaxPool after ReLU (max of pre-activations, then ReLU) and after a negative-slope LeakyReLU equals the direct max", () => {
    const rand = rng(7);
    const W = f32(randoms(rand, 3 * 1 * 2 * 2)), b = f32(randoms(rand, 3, 0.3));
    for (const act of [{ op: "Relu" }, { op: "LeakyRelu", alpha: -0.3 }, { op: "LeakyRelu", alpha: 0.2 }]) {
      const slope = act.op === "Relu" ? 0 : act.alpha!;
      const net = parseOnnx(writeOnnx(graph([1, 1, 6, 6], [
        { op: "Conv", inputs: ["x", "W", "b"], outputs: ["c"], attrs: { kernel_shape: { ints: [2, 2] } } },
        { op: act.op, inputs: ["c"], outputs: ["r"], ...(act.alpha !== undefined ? { attrs: { alpha: { f: act.alpha } } } : {}) },
        { op: "MaxPool", inputs: ["r"], outputs: ["m"], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } } },
        { op: "Flatten", inputs: ["m"], outputs: ["y"] },
      ], [t("W", [3, 1, 2, 2], W), t("b", [3], b)])), "maxpool.onnx");
      const alpha = Float32Array.of(slope)[0];
      checkAgainst(net, 36, (x) => {
        const c = conv({ c: 1, h: 6, w: 6, v: x }, W, b, 3, 1, { kh: 2, kw: 2, sh: 1, sw: 1, pt: 0, pl: 0, pb: 0, pr: 0, dh: 1, dw: 1 });
        return pool(map(c, (v) => (v > 0 ? v : alpha * v)), { kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, pb: 0, pr: 0, dh: 1, dw: 1 }, "max").v;
      }, 8);
    }
  });
  it("BatchNormalization 2-D (after Conv) and 1-D (after Gemm) fold into the affine maps exactly", () => {
    const rand = rng(11);
    const W = f32(randoms(rand, 2 * 1 * 3 * 3)), G = f32(randoms(rand, 3 * 8));
    const bn = (p: string, n: number) => [t(`${p}s`, [n], f32(randoms(rand, n))), t(`${p}b`, [n], f32(randoms(rand, n))), t(`${p}m`, [n], f32(randoms(rand, n))), t(`${p}v`, [n], f32(randoms(rand, n).map((v) => 0.5 + Math.abs(v))))];
    const bn2 = bn("a", 2), bn1 = bn("g", 3);
    const net = parseOnnx(writeOnnx(graph([1, 1, 4, 4], [
      { op: "Conv", inputs: ["x", "W"], outputs: ["c"], attrs: { kernel_shape: { ints: [3, 3] } } },
      { op: "BatchNormalization", inputs: ["c", "as", "ab", "am", "av"], outputs: ["n"], attrs: { epsilon: { f: 1e-3 } } },
      { op: "Relu", inputs: ["n"], outputs: ["r"] },
      { op: "Flatten", inputs: ["r"], outputs: ["f"] },
      { op: "Gemm", inputs: ["f", "G"], outputs: ["g"], attrs: { transB: { i: 1 } } },
      { op: "BatchNormalization", inputs: ["g", "gs", "gb", "gm", "gv"], outputs: ["y"] },
    ], [t("W", [2, 1, 3, 3], W), t("G", [3, 8], G), ...bn2, ...bn1])), "bn.onnx");
    const eps1 = Float32Array.of(1e-3)[0];
    const norm = (v: number, c: number, p: TensorSpec[], eps: number) => (p[0].values[c] * (v - p[2].values[c])) / Math.sqrt(p[3].values[c] + eps) + p[1].values[c];
    checkAgainst(net, 16, (x) => {
      const c = map(conv({ c: 1, h: 4, w: 4, v: x }, W, [0, 0], 2, 1, { kh: 3, kw: 3, sh: 1, sw: 1, pt: 0, pl: 0, pb: 0, pr: 0, dh: 1, dw: 1 }), (v, ch) => Math.max(0, norm(v, ch, bn2, eps1)));
      return [0, 1, 2].map((r) => norm(G.slice(r * 8, r * 8 + 8).reduce((s, w, k) => s + w * c.v[k], 0), r, bn1, 1e-5));
    }, 12);
  });
  it("a residual block h + W2 relu(W1 relu(h)) with PReLU per channel is carried by pass-through units, exactly", () => {
    const rand = rng(13);
    const A = f32(randoms(rand, 4 * 3)), B = f32(randoms(rand, 4 * 4)), C = f32(randoms(rand, 4 * 4)), D = f32(randoms(rand, 2 * 4)), slope = f32(randoms(rand, 4, 0.5));
    const mv = (M: number[], v: ArrayLike<number>, r: number, k: number) => Array.from({ length: r }, (_, i) => M.slice(i * k, i * k + k).reduce((s, w, j) => s + w * v[j], 0));
    const net = parseOnnx(writeOnnx(graph(["batch", 3], [
      { op: "MatMul", inputs: ["x", "At"], outputs: ["h"] },
      { op: "Relu", inputs: ["h"], outputs: ["r1"] },
      { op: "Gemm", inputs: ["r1", "B"], outputs: ["g1"], attrs: { transB: { i: 1 } } },
      { op: "PRelu", inputs: ["g1", "slope"], outputs: ["r2"] },
      { op: "Gemm", inputs: ["r2", "C"], outputs: ["g2"], attrs: { transB: { i: 1 }, alpha: { f: 0.5 } } },
      { op: "Add", inputs: ["h", "g2"], outputs: ["s"] },
      { op: "Relu", inputs: ["s"], outputs: ["r3"] },
      { op: "Gemm", inputs: ["r3", "D"], outputs: ["y"], attrs: { transB: { i: 1 } } },
    ], [t("At", [3, 4], Array.from({ length: 12 }, (_, i) => A[(i % 4) * 3 + Math.floor(i / 4)])), t("B", [4, 4], B), t("C", [4, 4], C), t("D", [2, 4], D), t("slope", [4], slope)])), "res.onnx");
    assert.ok(hasPerUnitLayers(net));
    const oracle = (x: ArrayLike<number>) => {
      const h = mv(A, x, 4, 3);
      const g1 = mv(B, h.map((v) => Math.max(0, v)), 4, 4).map((v, i) => (v > 0 ? v : slope[i] * v));
      const s = mv(C, g1, 4, 4).map((v, i) => h[i] + 0.5 * v);
      return mv(D, s.map((v) => Math.max(0, v)), 2, 4);
    };
    checkAgainst(net, 3, oracle, 14);
    // Lowered on the box, the network is the same function there.
    const box = uniformBox(3, -1, 1);
    checkAgainst(lowerOnBox(net, box).network, 3, oracle, 15);
  });
  it("normalisation (Sub/Div by constants), Pad with zeros, Reshape from Shape→Gather→Concat, Transpose of a constant, Squeeze/Unsqueeze, Identity, Dropout, Constant and Clip(0) equal direct evaluation", () => {
    const rand = rng(17);
    const Wt = f32(randoms(rand, 5 * 9));
    const i64 = (name: string, dims: number[], v: number[]) => t(name, dims, v, INT64);
    const net = parseOnnx(writeOnnx(graph(["batch", 1, 2, 2], [
      { op: "Constant", inputs: [], outputs: ["mean"], attrs: { value: { t: t("", [1, 1, 1, 1], [0.25]) } } },
      { op: "Sub", inputs: ["x", "mean"], outputs: ["a"] },
      { op: "Div", inputs: ["a", "std"], outputs: ["b"] },
      { op: "Pad", inputs: ["b", "pads"], outputs: ["p"] },
      { op: "Identity", inputs: ["p"], outputs: ["q"] },
      { op: "Shape", inputs: ["q"], outputs: ["shape"] },
      { op: "Gather", inputs: ["shape", "zero"], outputs: ["n"], attrs: { axis: { i: 0 } } },
      { op: "Unsqueeze", inputs: ["n", "axes0"], outputs: ["n1"] },
      { op: "Concat", inputs: ["n1", "minus1"], outputs: ["target"], attrs: { axis: { i: 0 } } },
      { op: "Reshape", inputs: ["q", "target"], outputs: ["flat"] },
      { op: "Transpose", inputs: ["W"], outputs: ["WT"], attrs: { perm: { ints: [1, 0] } } },
      { op: "MatMul", inputs: ["flat", "WT"], outputs: ["m"] },
      { op: "Dropout", inputs: ["m"], outputs: ["d"] },
      { op: "Clip", inputs: ["d", "zerof"], outputs: ["c"] },
      { op: "Unsqueeze", inputs: ["c", "axes0"], outputs: ["u"] },
      { op: "Squeeze", inputs: ["u", "axes0"], outputs: ["y"] },
    ], [t("std", [1], [0.5]), i64("pads", [8], [0, 0, 1, 0, 0, 0, 0, 1]), i64("zero", [], [0]), i64("axes0", [1], [0]), i64("minus1", [1], [-1]), t("W", [5, 9], Wt), t("zerof", [], [0])])), "plumbing.onnx");
    checkAgainst(net, 4, (x) => {
      // pads [0, 0, 1, 0 | 0, 0, 0, 1]: a zero row above and a zero column on the right: [1, 1, 3, 3]
      const n = (v: number) => (v - 0.25) / 0.5;
      const img = [0, 0, 0, n(x[0]), n(x[1]), 0, n(x[2]), n(x[3]), 0];
      return Array.from({ length: 5 }, (_, r) => Math.max(0, img.reduce((s, v, k) => s + Wt[r * 9 + k] * v, 0)));
    }, 18);
  });
});

describe("metamorphic: a CNN and its lowered dense twin", () => {
  it("cnn-12: the compiled network written as Tessera JSON and read back gives the same outputs and the same slice partition through three images", async () => {
    const { network } = await loadModel(join(TORCH, "cnn-12-dynamo.onnx"));
    const twin = parseTesseraJson(JSON.parse(stringifyTesseraJson(network)), "twin.json").network;
    const e = expectedOf("cnn-12-dynamo");
    for (const s of e.samples) assert.deepEqual(Array.from(forward(twin, s.x)), Array.from(forward(network, s.x)));
    const slice = sliceThrough(e.samples[0].x, e.samples[1].x, e.samples[2].x);
    const rect = { umin: -0.25, umax: 1.25, vmin: -0.25, vmax: 1.25 };
    const a = planarPartition(sliceNetwork(network, slice), rect), b = planarPartition(sliceNetwork(twin, slice), rect);
    assert.ok(a.regions.length > 1);
    assert.equal(b.regions.length, a.regions.length);
    assert.deepEqual(b.regions.map((r) => r.area), a.regions.map((r) => r.area));
    // The counting engine on the same slice (its max units over pre-activations, then ReLU) finds the same regions.
    const sliceBox = { lo: Float64Array.of(rect.umin, rect.vmin), hi: Float64Array.of(rect.umax, rect.vmax) };
    assert.equal(countRegions(sliceNetwork(network, slice), { box: sliceBox }).regions, a.regions.length);
  });
  it("a Conv equals the Gemm with its lowered matrix (same outputs, same 2-D slice partition)", () => {
    const rand = rng(23);
    const W = f32(randoms(rand, 3 * 1 * 2 * 2)), b = f32(randoms(rand, 3, 0.2)), H = f32(randoms(rand, 2 * 27));
    const nodes = (first: NodeSpec[]): NodeSpec[] => [...first, { op: "Relu", inputs: ["c"], outputs: ["r"] }, { op: "Flatten", inputs: ["r"], outputs: ["f"] }, { op: "Gemm", inputs: ["f", "H"], outputs: ["y"], attrs: { transB: { i: 1 } } }];
    const cnn = parseOnnx(writeOnnx(graph([1, 1, 4, 4], nodes([{ op: "Conv", inputs: ["x", "W", "b"], outputs: ["c"], attrs: { kernel_shape: { ints: [2, 2] } } }]), [t("W", [3, 1, 2, 2], W), t("b", [3], b), t("H", [2, 27], H)])), "cnn.onnx");
    // The dense twin: the same convolution written out as a 27 × 16 matrix by the direct oracle (unit vectors in).
    const M: number[] = new Array(27 * 16).fill(0);
    for (let k = 0; k < 16; k++) {
      const e = new Float64Array(16);
      e[k] = 1;
      const col = conv({ c: 1, h: 4, w: 4, v: e }, W, [0, 0, 0], 3, 1, { kh: 2, kw: 2, sh: 1, sw: 1, pt: 0, pl: 0, pb: 0, pr: 0, dh: 1, dw: 1 }).v;
      for (let r = 0; r < 27; r++) M[r * 16 + k] = col[r];
    }
    const bias = Array.from({ length: 27 }, (_, r) => b[Math.floor(r / 9)]);
    const dense = parseOnnx(writeOnnx(graph(["batch", 16], nodes([{ op: "Gemm", inputs: ["x", "M", "bias"], outputs: ["c"], attrs: { transB: { i: 1 } } }]), [t("M", [27, 16], M, 11), t("bias", [27], bias, 11), t("H", [2, 27], H)])), "dense.onnx");
    checkAgainst(cnn, 16, (x) => forward(dense, x), 24);
    const r2 = rng(25);
    const slice = sliceThrough(randoms(r2, 16), randoms(r2, 16), randoms(r2, 16));
    const rect = { umin: -1, umax: 2, vmin: -1, vmax: 2 };
    const a = planarPartition(sliceNetwork(cnn, slice), rect), d = planarPartition(sliceNetwork(dense, slice), rect);
    assert.ok(a.regions.length > 5);
    assert.equal(d.regions.length, a.regions.length);
  });
});

describe("bad graphs: one line naming the file, the node and the op; nothing half-loaded", () => {
  const mlp = (extra: Partial<GraphSpec> = {}): GraphSpec => ({
    ...graph(["batch", 2], [
      { op: "Gemm", name: "fc1", inputs: ["x", "W", "b"], outputs: ["h"], attrs: { transB: { i: 1 } } },
      { op: "Relu", name: "act", inputs: ["h"], outputs: ["r"] },
      { op: "Gemm", name: "fc2", inputs: ["r", "V"], outputs: ["y"], attrs: { transB: { i: 1 } } },
    ], [t("W", [3, 2], [1, 2, 3, 4, 5, 6]), t("b", [3], [0, 0, 0]), t("V", [1, 3], [1, 1, 1])]),
    ...extra,
  });
  const oneLine = (fn: () => unknown, re: RegExp) => assert.throws(fn, (err: Error) => err instanceof ModelError && re.test(err.message) && !err.message.includes("\n"));
  it("an operator outside the table", () => {
    const g = mlp();
    g.nodes[1] = { ...g.nodes[1], op: "Sigmoid", name: "squash" };
    oneLine(() => parseOnnx(writeOnnx(g), "m.onnx"), /^m\.onnx: unsupported operator Sigmoid in node "squash"/);
  });
  it("a data-dependent shape", () => {
    const g = mlp();
    g.nodes.splice(1, 0, { op: "Reshape", name: "reshape_by_data", inputs: ["h", "h"], outputs: ["h2"] });
    g.nodes[2].inputs = ["h2"];
    oneLine(() => parseOnnx(writeOnnx(g), "m.onnx"), /^m\.onnx: Reshape node "reshape_by_data": its shape "h" is computed from the input \(data-dependent\)/);
  });
  it("a product of two computed tensors (not piecewise linear)", () => {
    const g = mlp();
    g.nodes.splice(2, 0, { op: "Mul", name: "square", inputs: ["r", "r"], outputs: ["r2"] });
    g.nodes[3].inputs = ["r2", "V"];
    oneLine(() => parseOnnx(writeOnnx(g), "m.onnx"), /^m\.onnx: Mul node "square": Mul of two computed tensors is not piecewise linear/);
  });
  describe("external data", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-ext-"));
    const inner = join(dir, "model");
    mkdirSync(inner);
    const W = t("W", [3, 2], [1, -2, 3, 4, -5, 6]);
    writeFileSync(join(inner, "m.onnx.data"), Uint8Array.from([9, 9, 9, 9, ...tensorBytes(W)]));
    writeFileSync(join(dir, "outside.data"), tensorBytes(W));
    symlinkSync(join(dir, "outside.data"), join(inner, "link.data"));
    const withLocation = (location: string, file: string) => {
      const g = mlp();
      g.initializers[0] = { ...W, external: { location, offset: 4, length: 24 } };
      const path = join(inner, file);
      writeFileSync(path, writeOnnx(g));
      return path;
    };
    it("read at its offset and length beside the model", async () => {
      const { network } = await loadModel(withLocation("m.onnx.data", "ok.onnx"));
      assert.deepEqual(Array.from(network.layers[0].weights), [1, -2, 3, 4, -5, 6]);
    });
    for (const [what, location, re] of [
      ["a path with ..", "../outside.data", /has a "\.\." segment/],
      ["an absolute path", join(dir, "outside.data"), /is an absolute path/],
      ["a link leaving the folder", "link.data", /leaves the model's folder/],
      ["a missing file", "nope.data", /no such file/],
    ] as const) {
      it(`refused: ${what}`, async () => {
        const path = withLocation(location, `bad-${what.replace(/\W+/g, "-")}.onnx`);
        await assert.rejects(loadModel(path), (err: Error) => err instanceof ModelError && err.message.startsWith(`${path}: initializer "W"`) && re.test(err.message) && !err.message.includes("\n"));
      });
    }
    it("without a reader (the browser without the .data file) the message names the file it needs", () => {
      const g = mlp();
      g.initializers[0] = { ...W, external: { location: "m.onnx.data" } };
      oneLine(() => parseOnnxModel(writeOnnx(g), "m.onnx"), /^m\.onnx: initializer "W": stored in the external file "m\.onnx\.data", which was not supplied/);
    });
  });
});

describe("the browser's drop path takes the .data file dropped beside the model", () => {
  const model = { name: "mlp-2-16-16-2-dynamo.onnx", bytes: new Uint8Array(readFileSync(join(TORCH, "mlp-2-16-16-2-dynamo.onnx"))) };
  const data = { name: "mlp-2-16-16-2-dynamo.onnx.data", bytes: new Uint8Array(readFileSync(join(TORCH, "mlp-2-16-16-2-dynamo.onnx.data"))) };
  const split = { seed: 1, testFraction: 0.2 };
  it("dropped together: loads and evaluates as on the command line", async () => {
    const got = readFiles([data, model], split);
    assert.equal(got.kind, "model");
    const { network } = await loadModel(join(TORCH, "mlp-2-16-16-2-dynamo.onnx"));
    const x = [0.3, -0.4];
    if (got.kind === "model") assert.deepEqual(Array.from(forward(got.network, x)), Array.from(forward(network, x)));
  });
  it("dropped alone: one line saying which file it needs", () => {
    assert.throws(() => readFiles([model], split), (err: Error) => err instanceof ModelError && /drop mlp-2-16-16-2-dynamo\.onnx\.data together with mlp-2-16-16-2-dynamo\.onnx/.test(err.message));
  });
});

describe("TF.js LayersModel with Conv2D, pooling, BatchNormalization, Flatten and Add (through the same compiler)", () => {
  it("a functional Keras-style CNN with a skip connection matches TF.js's own predictions (float32) to 1e-6", async () => {
    await tf.setBackend("cpu");
    const init = (seed: number) => tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed });
    const inp = tf.input({ shape: [6, 6, 2] });
    const layer = <T>(l: { apply: (x: T) => unknown }, x: T) => l.apply(x) as tf.SymbolicTensor;
    let h = layer(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", kernelInitializer: init(1), biasInitializer: init(2) }), inp);
    h = layer(tf.layers.batchNormalization({ movingMeanInitializer: init(3), movingVarianceInitializer: tf.initializers.constant({ value: 1.7 }), gammaInitializer: init(4), betaInitializer: init(5) }), h);
    h = layer(tf.layers.activation({ activation: "relu" }), h);
    h = layer(tf.layers.maxPooling2d({ poolSize: 2 }), h);
    const skip = h;
    let b = layer(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", kernelInitializer: init(6), biasInitializer: init(7) }), h);
    b = layer(tf.layers.reLU(), b);
    h = layer(tf.layers.add(), [skip, b]);
    h = layer(tf.layers.averagePooling2d({ poolSize: 2, strides: 1 }), h);
    h = layer(tf.layers.flatten(), h);
    h = layer(tf.layers.dense({ units: 4, kernelInitializer: init(8), biasInitializer: init(9) }), h);
    h = layer(tf.layers.leakyReLU({ alpha: 0.1 }), h);
    const out = layer(tf.layers.dense({ units: 2, kernelInitializer: init(10) }), h);
    const model = tf.model({ inputs: inp, outputs: out });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    const modelJson = JSON.parse(JSON.stringify({ modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ["w.bin"], weights: saved!.weightSpecs }] }));
    const net = parseTfjs(modelJson, new Map([["w.bin", new Uint8Array(saved!.weightData as ArrayBuffer)]]), "cnn/model.json");
    assert.ok(hasPerUnitLayers(net), "the skip path is carried by pass-through units");
    const rand = rng(31);
    const xs = Array.from({ length: 8 }, () => randoms(rand, 72));
    const y = (model.predict(tf.tensor4d(xs.flat(), [8, 6, 6, 2])) as tf.Tensor).arraySync() as number[][];
    xs.forEach((x, i) => forward(net, x).forEach((v, j) => assert.ok(Math.abs(v - y[i][j]) <= 1e-6, `${v} vs ${y[i][j]}`)));
    model.dispose();
  });
});
