/**
 * Size limits of the model readers. Core-safe. A model file is untrusted: a 138-byte ONNX can declare a 60,000-wide
 * input (a 60,000 × 60,000 layer), so sizes are checked against these limits before anything is allocated, and the
 * refusal names the size instead of failing inside the JavaScript engine.
 */

/**
 * Most entries in one weight tensor or one dense layer: 2^27 (134,217,728; 1 GiB as float64). The largest layers
 * Tessera's methods handle (MNIST's 784 × 1,000 is 0.8 M entries) are more than 100 times smaller; a layer of this
 * size cannot be counted, bounded or drawn by any of them and would take gigabytes to hold (and as much again to
 * compose with its neighbour), so a file declaring one is refused.
 */
export const MAX_LAYER_ENTRIES = 2 ** 27;

/** Shape of a tensor or layer as text, e.g. `60000 × 60000`. */
function shapeText(dims: readonly number[]): string {
  return dims.length === 0 ? "a scalar" : dims.join(" × ");
}

/**
 * Refuse (through `fail`) a tensor or dense layer whose entry count exceeds {@link MAX_LAYER_ENTRIES}; returns the
 * count. `what` names it in the message, e.g. `Add node "a" (a 60000-wide identity layer)`.
 */
export function checkLayerSize(dims: readonly number[], what: string, fail: (message: string) => never): number {
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${what} has a bad shape [${dims.join(", ")}]`);
  let n = 1;
  for (const d of dims) n *= d;
  if (!(n <= MAX_LAYER_ENTRIES)) {
    fail(`${what} has ${shapeText(dims)} = ${n.toLocaleString("en-US")} entries, more than the ${MAX_LAYER_ENTRIES.toLocaleString("en-US")} Tessera holds in one layer (1 GiB as float64)`);
  }
  return n;
}
