/**
 * One call of the pivot kernel (src/lp/pivot-kernel.wat, `pivot(m, sgn, tol, 0)`: the pivot row of m rows over 785
 * columns and the ratio-test candidates), in CPU µs per call, for m = 1 and m = 16 and with the pivot row's weights rho
 * the same in every call or drawn from 64 seeded random vectors in turn. With the same rho every call the branch
 * predictor learns the candidate tests; in the simplex rho changes every pivot, which is the second case. The
 * difference between m = 1 and m = 16 is the row product; the rest is the candidate pass.
 *
 * Run: node --import tsx bench/pivot-call.ts [CALLS=20000] [ROUNDS=7]
 */
import { instantiatePivotKernel, pivotKernelLayout } from "../src/lp/pivot-kernel.ts";
import { mulberry32 } from "../src/util/random.ts";

const [callsArg = "20000", roundsArg = "7"] = process.argv.slice(2);
const calls = Number(callsArg), rounds = Number(roundsArg);
const kernel = instantiatePivotKernel();
if (!kernel) {
  console.log("no WebAssembly SIMD here: nothing to measure");
  process.exit(0);
}
// The layout of a MarginLP with n0 = 784 and 24 rows (one array after another, 16-byte aligned).
const n = 785, cap = 24, nv = n + cap;
const { offsets, bytes } = pivotKernelLayout(n, cap);
if (bytes > kernel.memory.buffer.byteLength) kernel.memory.grow(Math.ceil((bytes - kernel.memory.buffer.byteLength) / 65536));
const [oA, oRho, oAlpha, oPos, oUpper, oD, oLb, oUb, oCand, oRatio, oDrop, oX, oOut, , , , oNz] = offsets;
kernel.layout(oA, oRho, oAlpha, oPos, oUpper, oD, oLb, oUb, oCand, oRatio, oDrop, n, oX, oOut, oNz);
const buf = kernel.memory.buffer, rand = mulberry32(33);
const A = new Float64Array(buf, oA, cap * n);
for (let i = 0; i < A.length; i++) A[i] = rand() - 0.5;
const rho = new Float64Array(buf, oRho, cap);
const pos = new Int32Array(buf, oPos, nv).fill(-1);
for (let i = 0; i < 16; i++) pos[Math.floor(rand() * nv)] = i; // a few basic columns
const d = new Float64Array(buf, oD, nv);
for (let j = 0; j < nv; j++) d[j] = (rand() - 0.5) * 1e-11; // reduced costs at the cost perturbation's scale
new Float64Array(buf, oUb, nv).fill(1);
const upper = new Uint8Array(buf, oUpper, nv);
for (let j = 0; j < nv; j++) upper[j] = rand() < 0.5 ? 1 : 0;
const rhos = Array.from({ length: 64 }, () => Float64Array.from({ length: cap }, () => rand() - 0.5));

const results: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const varied of [false, true]) {
    for (const m of [1, 16]) {
      const mask = varied ? 63 : 0;
      for (let r = 0; r < 500; r++) {
        rho.set(rhos[r & mask]);
        kernel.pivot(m, 1, 1e-9, 0);
      }
      const c0 = process.cpuUsage();
      for (let r = 0; r < calls; r++) {
        rho.set(rhos[r & mask]);
        kernel.pivot(m, 1, 1e-9, 0);
      }
      const c = process.cpuUsage(c0);
      (results[`m=${m}, rho ${varied ? "varied" : "fixed"}`] ??= []).push((c.user + c.system) / calls);
    }
  }
}
for (const [key, v] of Object.entries(results)) {
  v.sort((a, b) => a - b);
  console.log(`${key}: ${v[v.length >> 1].toFixed(2)} CPU µs per call (median of ${rounds}; min ${v[0].toFixed(2)})`);
}
