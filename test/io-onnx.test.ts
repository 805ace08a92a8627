import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseOnnx } from "../src/io/onnx.ts";
import { evaluate, forward, patternToString } from "../src/model/evaluate.ts";
import { hiddenWidths, outputDim } from "../src/model/network.ts";
import { closeRelative, expectedOf, fixtureBytes, fixtureNames } from "./helpers/fixtures.ts";
import { DOUBLE, FLOAT16, type GraphSpec, sequentialGraph, writeOnnx } from "./helpers/onnx-writer.ts";

describe("ONNX fixtures exported by PyTorch", () => {
  for (const name of fixtureNames()) {
    it(`${name}: evaluate matches numpy's y to 1e-9 relative and the stored pattern exactly`, () => {
      const net = parseOnnx(fixtureBytes(name), name);
      const expected = expectedOf(name);
      assert.equal(net.inputDim, expected.input_dim);
      assert.deepEqual([...hiddenWidths(net), outputDim(net)], expected.widths);
      for (const s of expected.samples) {
        const { output, pattern } = evaluate(net, s.x);
        assert.equal(output.length, s.y.length);
        s.y.forEach((y, i) => assert.ok(closeRelative(output[i], y), `output ${i}: ${output[i]} vs ${y}`));
        assert.equal(patternToString(pattern), s.pattern);
      }
    });
  }
});

const W1 = [[1, -2], [0.5, 3], [-1, 1]];
const b1 = [0.25, -0.5, 1];
const W2 = [[2, -1, 0.5]];
const b2 = [-0.75];
const points = [[0.3, -0.7], [-1, 1], [2, 0.5], [0, 0]];

/** The reference value of the W1/W2 ReLU net, computed by hand-written loops. */
function reference(x: number[], slope = 0): number {
  const h = W1.map((row, r) => {
    const g = row[0] * x[0] + row[1] * x[1] + b1[r];
    return g > 0 ? g : slope * g;
  });
  return W2[0][0] * h[0] + W2[0][1] * h[1] + W2[0][2] * h[2] + b2[0];
}

function assertComputes(graph: GraphSpec, slope = 0): void {
  const net = parseOnnx(writeOnnx(graph), "test.onnx");
  for (const x of points) assert.ok(Math.abs(forward(net, x)[0] - reference(x, slope)) < 1e-12, `at ${x}`);
}

describe("ONNX operators as converters write them", () => {
  it("Gemm with transB = 1 (PyTorch Linear) is read as W = B", () => {
    assertComputes(sequentialGraph([{ W: W1, b: b1, act: "relu" }, { W: W2, b: b2 }]));
  });

  it("Gemm with transB = 0 reads B as [in, out]; alpha scales W and beta scales C", () => {
    const g = sequentialGraph([{ W: W1, b: b1, act: "relu" }, { W: W2, b: b2 }]);
    // Replace the first layer: B = 2·W1ᵀ with alpha = 0.5, C = b1 / 4 with beta = 4.
    g.initializers[0] = { name: "0.weight", dims: [2, 3], values: [0, 1].flatMap((k) => W1.map((row) => 2 * row[k])) };
    g.initializers[1] = { name: "0.bias", dims: [1, 3], values: b1.map((v) => v / 4) };
    g.nodes[0].attrs = { alpha: { f: 0.5 }, beta: { f: 4 }, transB: { i: 0 } };
    assertComputes(g);
  });

  it("MatMul (weight [in, out]) + Add is merged into one dense layer", () => {
    const g = sequentialGraph([{ W: W1, b: b1, act: "relu" }, { W: W2, b: b2 }]);
    g.nodes[0] = { op: "MatMul", name: "/0/MatMul", inputs: ["x", "w0"], outputs: ["mm"] };
    g.nodes.splice(1, 0, { op: "Add", name: "/0/Add", inputs: ["b0", "mm"], outputs: ["/0/Gemm_output_0"] });
    g.initializers.push({ name: "w0", dims: [2, 3], values: [0, 1].flatMap((k) => W1.map((row) => row[k])) });
    g.initializers.push({ name: "b0", dims: [3], values: b1 });
    g.initializers.splice(0, 2);
    const net = parseOnnx(writeOnnx(g), "t.onnx");
    assert.equal(net.layers.length, 2);
    assertComputes(g);
  });

  it("two Gemm without an activation between them merge into their composition", () => {
    const g = sequentialGraph([{ W: [[1, 0], [0, 1], [1, 1]], b: [0, 0, 0] }, { W: W1.map((r) => [r[0], r[1], 0]), b: b1, act: "relu" }, { W: W2, b: b2 }]);
    const net = parseOnnx(writeOnnx(g), "t.onnx");
    assert.equal(net.layers.length, 2);
    assert.deepEqual(Array.from(net.layers[0].weights), W1.flat());
    assertComputes(g);
  });

  it("LeakyRelu uses its alpha attribute (a float32 in ONNX), and 0.01 when it is absent", () => {
    assertComputes(sequentialGraph([{ W: W1, b: b1, act: { leaky: 0.2 } }, { W: W2, b: b2 }]), Math.fround(0.2));
    const net = parseOnnx(writeOnnx(sequentialGraph([{ W: W1, b: b1, act: "leaky-default" }, { W: W2, b: b2 }])), "t.onnx");
    assert.deepEqual(net.layers[0].activation, { kind: "leaky-relu", alpha: 0.01 });
  });

  it("Flatten of a [batch, 1, 2, 1] input and Identity nodes pass the data through", () => {
    const g = sequentialGraph([{ W: W1, b: b1, act: "relu" }, { W: W2, b: b2 }]);
    g.inputs = [{ name: "img", dims: ["N", 1, 2, 1] }];
    g.nodes.unshift({ op: "Flatten", name: "/flat", inputs: ["img"], outputs: ["f"], attrs: { axis: { i: 1 } } }, { op: "Identity", name: "/id", inputs: ["f"], outputs: ["x"] });
    const net = parseOnnx(writeOnnx(g), "t.onnx");
    assert.equal(net.inputDim, 2);
    assertComputes(g);
  });

  it("weights from Constant nodes, float_data, DOUBLE raw and double_data tensors", () => {
    const g = sequentialGraph([{ W: W1, b: b1, act: "relu" }, { W: W2, b: b2 }]);
    const [w0, bias0, w1, bias1] = g.initializers;
    g.initializers = [{ ...w0, raw: false }, { ...bias0, dataType: DOUBLE }, { ...w1, dataType: DOUBLE, raw: false }];
    g.nodes.unshift({ op: "Constant", name: "/c", inputs: [], outputs: [bias1.name], attrs: { value: { t: bias1 } } });
    assertComputes(g);
  });

  it("FLOAT16 weights are widened exactly (values representable in half precision)", () => {
    const g = sequentialGraph([{ W: W1, b: b1, act: "relu" }, { W: W2, b: b2 }]);
    g.initializers = g.initializers.map((t) => ({ ...t, dataType: FLOAT16 }));
    assertComputes(g);
  });

  it("the input width comes from the first layer when the input shape is not declared", () => {
    const g = sequentialGraph([{ W: W1, b: b1, act: "relu" }, { W: W2, b: b2 }]);
    g.inputs = [{ name: "x" }];
    assert.equal(parseOnnx(writeOnnx(g), "t.onnx").inputDim, 2);
  });
});
