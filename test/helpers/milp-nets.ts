/** Networks for the MILP / LP-tightening tests: fixtures with their boxes, and seeded random nets. */
import type { Activation, Box, Network } from "../../src/model/network.ts";
import { uniformBox } from "../../src/model/network.ts";
import { parseOnnx } from "../../src/io/onnx.ts";
import { gaussian, mulberry32 } from "../../src/util/random.ts";
import { expectedOf, fixtureBytes } from "./fixtures.ts";

/** A fixture's network, box and expected region count. */
export function loadFixture(name: string): { net: Network; box: Box; regions: number } {
  const net = parseOnnx(fixtureBytes(name), name);
  const e = expectedOf(name) as ReturnType<typeof expectedOf> & { regions: number };
  return { net, box: uniformBox(net.inputDim, e.box[0], e.box[1]), regions: e.regions };
}

/** A seeded random dense network: He-like weights, biases N(0, 0.3²), the given hidden activation, 1 output. */
export function randomNet(seed: number, widths: number[], activation: Activation = { kind: "relu" }): Network {
  const rand = mulberry32(seed);
  const layers: Network["layers"] = [];
  let inDim = widths[0];
  for (let l = 1; l <= widths.length; l++) {
    const last = l === widths.length;
    const units = last ? 1 : widths[l];
    const rank = !last && activation.kind === "maxout" ? activation.rank : 1;
    const outDim = units * rank;
    const scale = Math.sqrt(2 / inDim);
    layers.push({
      inDim,
      outDim,
      weights: Float64Array.from({ length: outDim * inDim }, () => scale * gaussian(rand)),
      bias: Float64Array.from({ length: outDim }, () => 0.3 * gaussian(rand)),
      activation: last ? { kind: "identity" } : activation,
    });
    inDim = units;
  }
  return { inputDim: widths[0], layers };
}

/** A one-hidden-layer ReLU net in the plane whose units are the given lines a·x + b (output: their sum). */
export function linesNet(lines: [number, number, number][]): Network {
  const n = lines.length;
  return {
    inputDim: 2,
    layers: [
      {
        inDim: 2,
        outDim: n,
        weights: Float64Array.from(lines.flatMap(([a, b]) => [a, b])),
        bias: Float64Array.from(lines.map((l) => l[2])),
        activation: { kind: "relu" },
      },
      { inDim: n, outDim: 1, weights: new Float64Array(n).fill(1), bias: new Float64Array(1), activation: { kind: "identity" } },
    ],
  };
}
