import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { LPStatus, MarginLP } from "../src/lp/margin-lp.ts";
import { PIVOT_KERNEL_BASE64 } from "../src/lp/pivot-kernel-bytes.ts";
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
        const wasm = new MarginLP(lo, hi, m, 100);
        const js = new MarginLP(lo, hi, m, 100, { kernel: "js" });
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
          // The last pivot row, its candidates and the duals agree byte for byte (signed zeros included).
          for (const key of ["alpha", "cand", "ratio", "drop", "d", "val"]) {
            assert.deepEqual(bytesOf(wasm, key), bytesOf(js, key), key);
          }
          solves++;
        }
      }
    }
    assert.ok(solves > 300);
  });
});
