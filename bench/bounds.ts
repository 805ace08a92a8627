/**
 * Times Serra et al. 2018 Theorem 1 (the dynamic programme over layer and dimension cap) for 20 hidden layers of
 * width 100 over n0 = 784, and allBounds for the same architecture. Prints milliseconds.
 * Run: node --import tsx bench/bounds.ts
 */
import { allBounds, clearBinomialCache, log10BigInt, serra2018Upper } from "../src/bounds/index.ts";

const widths = Array(20).fill(100);
const REPEATS = 20;

clearBinomialCache();
let t = performance.now();
const value = serra2018Upper(784, widths);
const cold = performance.now() - t;

t = performance.now();
for (let i = 0; i < REPEATS; i++) serra2018Upper(784, widths);
const warm = (performance.now() - t) / REPEATS;

t = performance.now();
const rows = allBounds({ inputDim: 784, widths });
const all = performance.now() - t;

console.log(`bounds: Theorem 1 DP, 784 → 20 × 100: cold ${cold.toFixed(1)} ms, warm ${warm.toFixed(1)} ms (mean of ${REPEATS}); log10 = ${log10BigInt(value).toFixed(4)}`);
console.log(`bounds: allBounds (${rows.length} rows), same architecture: ${all.toFixed(1)} ms`);
