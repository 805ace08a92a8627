import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { LPStatus, MarginLP } from "../src/lp/margin-lp.ts";
import { PIVOT_KERNEL_BASE64 } from "../src/lp/pivot-kernel-bytes.ts";
import { instantiatePivotKernel, pivotKernelLayout } from "../src/lp/pivot-kernel.ts";
import { gaussian, mulberry32 } from "../src/util/random.ts";
// @ts-expect-error: a plain .mjs script without type declarations
import { compileKernel } from "../scripts/build-wasm.mjs";

/** The bytes of one of a MarginLP's private typed arrays. */
function bytesOf(lp: MarginLP, key: string): Uint8Array {
  const a = (lp as unknown as Record<string, Float64Array | Int32Array>)[key];
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

describe("MarginLP's WebAssembly pivot kernel", () => {
  it("the committed kernel bytes are the compilation of pivot-kernel.wat", async () => {
    const bytes: Buffer = await compileKernel();
    assert.equal(bytes.toString("base64"), PIVOT_KERNEL_BASE64, "run `npm run build:wasm` after editing the .wat");
    assert.ok(readFileSync(new URL("../src/lp/pivot-kernel.wat", import.meta.url), "utf8").includes("(func (export \"pivot\")"));
  });

  it("runs on Node 20 (WebAssembly SIMD is available), and `kernel: \"js\"` selects the JS path", () => {
    const lo = new Float64Array(3), hi = new Float64Array(3).fill(1);
    assert.equal(new MarginLP(lo, hi, 2, 2).kernelKind, "wasm");
    assert.equal(new MarginLP(lo, hi, 2, 2, { kernel: "js" }).kernelKind, "js");
  });

  it("the kernel and the JS path take the same simplex path bit for bit (objective, point, iterations, status, margins)", () => {
    const rand = mulberry32(77);
    let solves = 0;
    // n = n0 + 1 covers the kernel's 8-column blocks, its remaining pairs and its odd tail.
    for (const n0 of [1, 2, 6, 7, 8, 9, 30, 200, 784]) {
      for (let trial = 0; trial < (n0 >= 200 ? 3 : 8); trial++) {
        const lo = new Float64Array(n0).fill(n0 > 50 ? 0 : -1), hi = new Float64Array(n0).fill(1);
        const m = 1 + Math.floor(rand() * 22);
        const wasm = new MarginLP(lo, hi, m + 1, 100);
        const js = new MarginLP(lo, hi, m + 1, 100, { kernel: "js" });
        const xw = new Float64Array(n0), xj = new Float64Array(n0);
        for (let i = 0; i < m; i++) {
          const a = new Float64Array(n0);
          let s = 0;
          for (let j = 0; j < n0; j++) s += (a[j] = gaussian(rand)) ** 2;
          for (let j = 0; j < n0; j++) a[j] /= Math.sqrt(s);
          const b = gaussian(rand) * (n0 > 50 ? 3 : 0.7);
          wasm.addRow(a, b);
          js.addRow(a, b);
          // Alternate plain solves with early-stopping ones, and save/restore in between.
          const stop = i % 3 === 2 ? 0.01 : -Infinity;
          if (i % 4 === 1) {
            wasm.save(0);
            js.save(0);
            assert.equal(wasm.solve(0.5), js.solve(0.5));
            wasm.restore(0);
            js.restore(0);
          }
          const sw = wasm.solve(stop), sj = js.solve(stop);
          assert.equal(sw, sj);
          assert.notEqual(sw, LPStatus.Failed);
          assert.equal(wasm.iterations, js.iterations);
          assert.equal(wasm.objective(), js.objective());
          assert.deepEqual(wasm.point(xw), js.point(xj));
          // The margin of a point (the kernel's row dot products) agrees to the bit.
          assert.ok(Object.is(wasm.marginOf(xw), js.marginOf(xw)), "marginOf");
          // The last pivot row, its candidates, the ratio test's lists and the duals agree byte for byte (signed zeros included).
          for (const key of ["alpha", "cand", "ratio", "drop", "d", "val", "sorted", "restA", "restB", "order"]) {
            assert.deepEqual(bytesOf(wasm, key), bytesOf(js, key), key);
          }
          if (i % 4 === 3) {
            // An equality row through the current point (a flat's LP): its zero-range activity leaves the candidates.
            const e = new Float64Array(n0);
            let se = 0;
            for (let j = 0; j < n0; j++) se += (e[j] = gaussian(rand)) ** 2;
            let be = 0;
            for (let j = 0; j < n0; j++) be += (e[j] /= Math.sqrt(se)) * xw[j];
            wasm.save(1);
            js.save(1);
            wasm.addEquality(e, be);
            js.addEquality(e, be);
            assert.equal(wasm.solve(), js.solve());
            assert.equal(wasm.iterations, js.iterations);
            assert.equal(wasm.objective(), js.objective());
            for (const key of ["alpha", "cand", "ratio", "drop", "d", "val", "sorted", "restA", "restB", "order"]) {
              assert.deepEqual(bytesOf(wasm, key), bytesOf(js, key), `${key} (with an equality row)`);
            }
            wasm.restore(1);
            js.restore(1);
          }
          solves++;
        }
      }
    }
    assert.ok(solves > 300);
  });

  it("the kernel's branch-free candidate pass lists exactly the columns of the ratio test's rule, in order, with their ratios and drops", () => {
    // Oracle: the rule written plainly, column by column. Columns j < n get random alpha (some exactly ±tol or 0),
    // random bounds side and basic status, some a zero range (an equality row's activity: left out with skipFixed);
    // n and m of both parities cover the pairs and the odd last column.
    const rand = mulberry32(2024);
    const tol = 1e-9;
    let checked = 0;
    for (const n of [1, 2, 7, 8, 785]) {
      for (const m of [0, 1, 4, 5]) {
        const k = instantiatePivotKernel()!;
        const cap = Math.max(m, 1), nv = n + cap;
        const { offsets: off, bytes } = pivotKernelLayout(n, cap);
        if (bytes > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((bytes - k.memory.buffer.byteLength) / 65536));
        k.layout(off[0], off[1], off[2], off[3], off[4], off[5], off[6], off[7], off[8], off[9], off[10], n, off[11], off[12], off[16]);
        const buf = k.memory.buffer;
        const A = new Float64Array(buf, off[0], cap * n), rho = new Float64Array(buf, off[1], cap);
        const alpha = new Float64Array(buf, off[2], nv), pos = new Int32Array(buf, off[3], nv), upper = new Uint8Array(buf, off[4], nv);
        const d = new Float64Array(buf, off[5], nv), lb = new Float64Array(buf, off[6], nv), ub = new Float64Array(buf, off[7], nv);
        const cand = new Int32Array(buf, off[8], nv), ratio = new Float64Array(buf, off[9], nv), drop = new Float64Array(buf, off[10], nv);
        for (let trial = 0; trial < 20; trial++) {
          const special = [0, tol, -tol, 2 * tol, -2 * tol];
          for (let i = 0; i < A.length; i++) A[i] = rand() < 0.1 ? special[Math.floor(rand() * 5)] : gaussian(rand);
          for (let i = 0; i < m; i++) rho[i] = rand() < 0.2 ? 0 : rand() < 0.2 ? special[Math.floor(rand() * 5)] : gaussian(rand);
          for (let j = 0; j < nv; j++) {
            pos[j] = rand() < 0.1 ? Math.floor(rand() * cap) : -1;
            upper[j] = rand() < 0.5 ? 1 : 0;
            d[j] = rand() < 0.1 ? 0 : gaussian(rand) * 1e-11;
            lb[j] = rand() < 0.2 ? -Infinity : -rand();
            ub[j] = rand() < 0.2 ? Infinity : rand();
            if (rand() < 0.15) lb[j] = ub[j] = rand() < 0.5 ? 0 : rand();
          }
          const sgn = rand() < 0.5 ? -1 : 1;
          const skipFixed = trial % 2;
          const nc = k.pivot(m, sgn, tol, skipFixed);
          // The pivot row itself, then the rule.
          const want: [number, number, number][] = [];
          for (let j = 0; j < n + m; j++) {
            let a = 0;
            if (j < n) {
              for (let i = 0; i < m; i++) if (rho[i] !== 0) a += rho[i] * A[i * n + j];
            } else a = -rho[j - n];
            if (j >= n || n < 8) assert.ok(Object.is(alpha[j], a) || Math.abs(alpha[j] - a) <= 1e-12 * (1 + Math.abs(a)), `alpha ${j}`);
            if (pos[j] >= 0) continue;
            const at = sgn * alpha[j];
            if ((upper[j] ? at < -tol : at > tol) && !(skipFixed && ub[j] === lb[j])) {
              const r = d[j] / at;
              want.push([j, r < 0 ? 0 : r, (ub[j] - lb[j]) * Math.abs(at)]);
            }
          }
          assert.equal(nc, want.length, `n ${n}, m ${m}: number of candidates`);
          for (let c = 0; c < nc; c++) {
            assert.equal(cand[c], want[c][0]);
            assert.ok(Object.is(ratio[c], want[c][1]), `ratio of column ${want[c][0]}`);
            assert.ok(Object.is(drop[c], want[c][2]), `drop of column ${want[c][0]}`);
          }
          checked += nc;
        }
      }
    }
    assert.ok(checked > 1000);
  });
});
