/** Small networks built in tests, and metamorphic transformations that must not change a region count. */
import type { Activation, DenseLayer, Network } from "../../src/model/network.ts";
import { gaussian, mulberry32 } from "../../src/util/random.ts";

export function dense(inDim: number, outDim: number, weights: number[] | Float64Array, bias: number[] | Float64Array, activation: Activation): DenseLayer {
  return { inDim, outDim, weights: Float64Array.from(weights), bias: Float64Array.from(bias), activation };
}

/** A random He-initialised ReLU-family network n0 → widths → outputs (seeded). */
export function randomNet(seed: number, n0: number, widths: number[], outputs = 2, activation: Activation = { kind: "relu" }, biasScale = 0.3): Network {
  const rand = mulberry32(seed);
  const layers: DenseLayer[] = [];
  let inDim = n0;
  const all = [...widths, outputs];
  all.forEach((w, l) => {
    const last = l === all.length - 1;
    const act: Activation = last ? { kind: "identity" } : activation;
    const rows = act.kind === "maxout" ? w * act.rank : w;
    const W = Array.from({ length: rows * inDim }, () => gaussian(rand) * Math.sqrt(2 / inDim));
    const b = Array.from({ length: rows }, () => gaussian(rand) * biasScale);
    layers.push(dense(inDim, rows, W, b, act));
    inDim = w;
  });
  return { inputDim: n0, layers };
}

function clone(net: Network): Network {
  return { inputDim: net.inputDim, layers: net.layers.map((l) => ({ ...l, weights: Float64Array.from(l.weights), bias: Float64Array.from(l.bias) })) };
}

/** Permute the units of hidden layer l (rows of layer l, columns of layer l + 1). ReLU-family layers only. */
export function permuteUnits(net: Network, l: number, perm: number[]): Network {
  const out = clone(net);
  const L = out.layers[l], N = out.layers[l + 1];
  perm.forEach((src, dst) => {
    for (let k = 0; k < L.inDim; k++) L.weights[dst * L.inDim + k] = net.layers[l].weights[src * L.inDim + k];
    L.bias[dst] = net.layers[l].bias[src];
    for (let r = 0; r < N.outDim; r++) N.weights[r * N.inDim + dst] = net.layers[l + 1].weights[r * N.inDim + src];
  });
  return out;
}

/** Scale unit i of hidden layer l by c > 0 and its outgoing weights by 1/c (same function, same regions). */
export function scaleUnit(net: Network, l: number, i: number, c: number): Network {
  const out = clone(net);
  const L = out.layers[l], N = out.layers[l + 1];
  for (let k = 0; k < L.inDim; k++) L.weights[i * L.inDim + k] *= c;
  L.bias[i] *= c;
  for (let r = 0; r < N.outDim; r++) N.weights[r * N.inDim + i] /= c;
  return out;
}

/** Append to hidden layer l a unit with the given incoming weights and bias (outgoing weights w_out to the next layer). */
export function addUnit(net: Network, l: number, weights: number[], bias: number, outgoing: number[]): Network {
  const out = clone(net);
  const L = out.layers[l], N = out.layers[l + 1];
  out.layers[l] = { ...L, outDim: L.outDim + 1, weights: Float64Array.from([...L.weights, ...weights]), bias: Float64Array.from([...L.bias, bias]) };
  const W = new Float64Array(N.outDim * (N.inDim + 1));
  for (let r = 0; r < N.outDim; r++) {
    for (let k = 0; k < N.inDim; k++) W[r * (N.inDim + 1) + k] = N.weights[r * N.inDim + k];
    W[r * (N.inDim + 1) + N.inDim] = outgoing[r];
  }
  out.layers[l + 1] = { ...N, inDim: N.inDim + 1, weights: W };
  return out;
}

/**
 * Change of inputs x = D y + v with D diagonal (entries d_j ≠ 0) composed with a coordinate permutation:
 * W' = W D P, b' = W v + b. The box [lo, hi] of x maps to a box of y.
 */
export function changeInputs(net: Network, d: number[], v: number[], perm: number[]): Network {
  const out = clone(net);
  const L = out.layers[0], n0 = net.inputDim;
  for (let r = 0; r < L.outDim; r++) {
    let b = net.layers[0].bias[r];
    for (let j = 0; j < n0; j++) b += net.layers[0].weights[r * n0 + j] * v[j];
    L.bias[r] = b;
    // y coordinate k feeds x coordinate perm[k]: x_{perm[k]} = d_{perm[k]} y_k + v_{perm[k]}.
    for (let k = 0; k < n0; k++) L.weights[r * n0 + k] = net.layers[0].weights[r * n0 + perm[k]] * d[perm[k]];
  }
  return out;
}

/**
 * Layer l's weights × c_l and its bias × c_0 ⋯ c_l: every pre-activation of layer l is multiplied by c_0 ⋯ c_l > 0, so
 * the regions (and the argmax) are those of the base network.
 */
export function scaleLayers(net: Network, c: number[]): Network {
  let product = 1;
  return {
    inputDim: net.inputDim,
    layers: net.layers.map((L, l) => {
      product *= c[l];
      return { ...L, weights: L.weights.map((w) => w * c[l]), bias: L.bias.map((b) => b * product) };
    }),
  };
}
