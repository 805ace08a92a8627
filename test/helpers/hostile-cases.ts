/**
 * The files of the hostile-input matrix (test/hostile-input.test.ts): extreme and broken models, boxes, centres,
 * plane vectors and training data. Every random source is seeded.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringifyTesseraJson } from "../../src/io/tessera-json.ts";
import { uniformBox, type Network } from "../../src/model/network.ts";
import { fixtureBytes } from "./fixtures.ts";
import { randomNet, scaleLayers } from "./nets.ts";
import { DOUBLE, sequentialGraph, writeOnnx, type GraphSpec } from "./onnx-writer.ts";

/** The base network: 2 inputs, hidden widths 6 and 5, 2 outputs, domain [−1, 1]². */
export const baseNet = (): Network => randomNet(21, 2, [6, 5], 2);
export const BOX = uniformBox(2, -1, 1);

/** Unit 0 of the first hidden layer twice: its row copied (× `factor`), its outgoing weights split so f is unchanged. */
export function duplicateFirstUnit(net: Network, factor: number): Network {
  const [L0, L1, ...rest] = net.layers;
  const n = L0.inDim;
  const weights = Float64Array.from([...L0.weights, ...Array.from(L0.weights.subarray(0, n), (w) => w * factor)]);
  const bias = Float64Array.from([...L0.bias, L0.bias[0] * factor]);
  const w1 = new Float64Array(L1.outDim * (L0.outDim + 1));
  for (let r = 0; r < L1.outDim; r++) {
    for (let k = 0; k < L0.outDim; k++) w1[r * (L0.outDim + 1) + k] = L1.weights[r * L0.outDim + k];
    // relu(factor·g) = factor·relu(g): half of unit 0's weight on each copy.
    w1[r * (L0.outDim + 1)] /= 2;
    w1[r * (L0.outDim + 1) + L0.outDim] = L1.weights[r * L0.outDim] / 2 / factor;
  }
  return {
    inputDim: net.inputDim,
    layers: [{ ...L0, outDim: L0.outDim + 1, weights, bias }, { ...L1, inDim: L0.outDim + 1, weights: w1 }, ...rest],
  };
}

/** The second hidden layer never active in the box (biases −100 against pre-activations of a few units). */
export function deadSecondLayer(net: Network): Network {
  const layers = net.layers.map((L) => ({ ...L, bias: Float64Array.from(L.bias) }));
  layers[1].bias.fill(-100);
  return { inputDim: net.inputDim, layers };
}

const json = (net: Network) => stringifyTesseraJson(net, BOX);

/** The base network as a PyTorch-style ONNX graph, edited by `edit`. */
function onnxOf(net: Network, edit: (g: GraphSpec) => void = () => {}): Uint8Array {
  const layers = net.layers.map((L, l) => ({
    W: Array.from({ length: L.outDim }, (_, r) => Array.from(L.weights.subarray(r * L.inDim, (r + 1) * L.inDim))),
    b: Array.from(L.bias),
    act: l < net.layers.length - 1 ? ("relu" as const) : undefined,
  }));
  const g = sequentialGraph(layers);
  edit(g);
  return writeOnnx(g);
}

/** Write every file the matrix names into `dir`. */
export function makeHostileFiles(dir: string): void {
  const w = (name: string, body: string | Uint8Array) => writeFileSync(join(dir, name), body);
  const base = baseNet();
  w("base.json", json(base));
  w("base.onnx", onnxOf(base));
  // Extreme but finite weights, each with the base network's regions.
  w("huge.json", json(scaleLayers(base, [1e300, 1e-300, 1e300])));
  w("tiny.json", json(scaleLayers(base, [1e-300, 1, 1])));
  w("subnormal.json", json(scaleLayers(base, [1e-310, 1e10, 1])));
  // Every layer × 1e200 (weights and bias): finite numbers whose forms overflow the double range in the last layers.
  w("overflow.json", json({ inputDim: 2, layers: base.layers.map((L) => ({ ...L, weights: L.weights.map((v) => v * 1e200), bias: L.bias.map((v) => v * 1e200) })) }));
  w("double-1e300.onnx", onnxOf(scaleLayers(base, [1e300, 1e-300, 1]), (g) => g.initializers.forEach((t) => (t.dataType = DOUBLE))));
  // Non-finite weights.
  w("inf-literal.json", json(base).replace(/"weights":\s*\[\s*\[\s*-?[0-9.e-]+/, '"weights": [[1e999'));
  w("nan-literal.json", json(base).replace(/"weights":\s*\[\s*\[\s*-?[0-9.e-]+/, '"weights": [[NaN'));
  w("null-weight.json", json(base).replace(/"weights":\s*\[\s*\[\s*-?[0-9.e-]+/, '"weights": [[null'));
  w("nan.onnx", onnxOf(base, (g) => (g.initializers[0].values[1] = NaN)));
  w("inf.onnx", onnxOf(base, (g) => (g.initializers[3].values[0] = Infinity)));
  w("float32-overflow.onnx", onnxOf(scaleLayers(base, [1e300, 1e-300, 1])));
  // Structure.
  w("zero-units.json", JSON.stringify({ format: "tessera", version: 1, inputDim: 2, layers: [{ weights: [], bias: [], activation: { kind: "relu" } }, { weights: [], bias: [], activation: { kind: "identity" } }] }));
  w("zero-units-shaped.json", JSON.stringify({ format: "tessera", version: 1, inputDim: 2, layers: [{ weights: [], shape: [0, 2], bias: [], activation: { kind: "relu" } }, { weights: [], shape: [1, 0], bias: [0], activation: { kind: "identity" } }] }));
  w("zero-units.onnx", onnxOf(base, (g) => {
    g.initializers[0] = { name: "0.weight", dims: [0, 2], values: [] };
    g.initializers[1] = { name: "0.bias", dims: [0], values: [] };
    g.initializers[2] = { name: "1.weight", dims: [5, 0], values: [] };
  }));
  w("flat-domain.json", stringifyTesseraJson(base, { lo: Float64Array.of(-1, 0.5), hi: Float64Array.of(1, 0.5) }));
  w("huge-domain.json", stringifyTesseraJson(base, { lo: Float64Array.of(-1e308, -1), hi: Float64Array.of(1e308, 1) }));
  w("zero-inputs.json", JSON.stringify({ format: "tessera", version: 1, inputDim: 0, layers: [{ weights: [[]], bias: [0], activation: { kind: "identity" } }] }));
  w("one-unit.json", JSON.stringify({ format: "tessera", version: 1, inputDim: 1, layers: [{ weights: [[1]], bias: [0.25], activation: { kind: "relu" } }, { weights: [[1]], bias: [0], activation: { kind: "identity" } }], domain: { lo: [-1], hi: [1] } }));
  w("duplicate.json", json(duplicateFirstUnit(base, 1)));
  w("coincident.json", json(duplicateFirstUnit(base, 3)));
  w("dead.json", json(deadSecondLayer(base)));
  // Broken files.
  const onnx = onnxOf(base);
  w("truncated.onnx", onnx.slice(0, Math.floor(onnx.length / 2)));
  w("truncated.json", json(base).slice(0, 200));
  const flipped = Uint8Array.from(fixtureBytes("random-2-8-8-s1"));
  for (let i = 40; i < flipped.length; i += 97) flipped[i] ^= 0xa5;
  w("corrupt.onnx", flipped);
  w("unsupported.onnx", onnxOf(base, (g) => (g.nodes[1] = { ...g.nodes[1], op: "Sin", name: "/0/Sin" })));
  w("cycle.onnx", onnxOf(base, (g) => (g.nodes[0] = { ...g.nodes[0], inputs: ["/0/act_output_0", ...g.nodes[0].inputs.slice(1)] })));
  w("self-loop.onnx", onnxOf(base, (g) => (g.nodes[1] = { ...g.nodes[1], inputs: ["/0/act_output_0"] })));
  w("empty.onnx", new Uint8Array(0));
  // Data, centres and boxes.
  w("empty.csv", "");
  w("header.csv", "x,y,label\n");
  w("nan.csv", "0.1,0.2,0\n0.3,NaN,1\n0.5,0.1,1\n");
  w("big.csv", "1e300,1e300,0\n-1e300,2e300,1\n3e300,-1e300,0\n-2e300,-2e300,1\n");
  w("one-class.csv", "0.1,0.2,0\n0.3,0.4,0\n");
  w("center.json", "[0.1, -0.2]");
  w("center-3.json", "[0.1, -0.2, 0.3]");
  w("center-inf.json", "[1e999, 0]");
  w("center-nan.json", "[NaN, 0]");
  w("center-huge.json", "[1e300, -1e300]");
  w("center-empty.json", "[]");
  w("box-reversed.json", JSON.stringify({ lo: [1, -1], hi: [-1, 1] }));
  w("box-flat.json", JSON.stringify({ lo: [0.5, -1], hi: [0.5, 1] }));
  w("box-short.json", JSON.stringify({ lo: [-1], hi: [1] }));
  w("box-inf.json", '{"lo": [-1e999, -1], "hi": [1, 1]}');
  w("vec-a.json", "[0, 0]");
  w("vec-b.json", "[1, 0]");
  w("vec-c.json", "[0, 1]");
  w("vec-same.json", "[0, 0]");
}
