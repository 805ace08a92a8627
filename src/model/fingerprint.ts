import type { Network } from "./network.ts";
import { activationName } from "./network.ts";

/**
 * A 64-bit FNV-1a-style hash (16 hex digits) of the bytes that `feed` passes to `mix`: two 32-bit lanes with
 * different primes. Fingerprints of networks and digests of task splits.
 */
export function fnv64Hex(feed: (mix: (byte: number) => void) => void): string {
  let h1 = 0x811c9dc5, h2 = (0x01000193 ^ 0x9e3779b9) >>> 0;
  feed((byte: number) => {
    h1 = Math.imul(h1 ^ byte, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ byte, 0x5bd1e995) >>> 0;
  });
  return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
}

/**
 * A 64-bit FNV-1a fingerprint (hex) of a network's architecture and exact weights: checkpoints refuse to resume on
 * a different model.
 */
export function networkFingerprint(net: Network): string {
  return fnv64Hex((mix) => {
    const text = `${net.inputDim}|` + net.layers.map((l) => `${l.inDim}x${l.outDim}:${activationName(l.activation)}`).join("|");
    for (let i = 0; i < text.length; i++) mix(text.charCodeAt(i) & 0xff);
    for (const layer of net.layers) {
      const a = layer.activation;
      // Per-unit slopes and pass-through flags are part of the function (networks without them hash as before).
      const extra = a.kind === "per-unit" ? [a.slope, a.passThrough] : [];
      for (const arr of [layer.weights, layer.bias, ...extra]) {
        const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
        for (let i = 0; i < bytes.length; i++) mix(bytes[i]);
      }
    }
  });
}
