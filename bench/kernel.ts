/**
 * The pivot kernel's effect on counting: the engine runs the same tasks of a fixture with MarginLP's JS path and with
 * its WebAssembly SIMD kernel, alternating (JS, wasm, JS, wasm, ...) in one process so the machine's drift is shared,
 * and checks that both find the same regions with the same LPs and the same simplex iterations (the kernel computes
 * the JS path's numbers bit for bit). Prints the median seconds of each and their ratio.
 *
 * Run: node --import tsx bench/kernel.ts [FIXTURE=mnist-12-10-s2] [TASKS=8] [ROUNDS=3]
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOnnx } from "../src/io/onnx.ts";
import { RegionEnumerator } from "../src/count/engine.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { uniformBox } from "../src/model/network.ts";
import { lpBounds } from "../src/tighten/lp.ts";

const [name = "mnist-12-10-s2", tasksArg = "8", roundsArg = "3"] = process.argv.slice(2);
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared/fixtures");
const net = parseOnnx(new Uint8Array(readFileSync(`${fixtures}/${name}.onnx`)), name);
const highs = await loadHighs();
const box = uniformBox(net.inputDim, 0, 1);
const bounds = lpBounds(net, box, highs);
const exact = highsMarginSolver(highs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const times: Record<"js" | "auto", number[]> = { js: [], auto: [] };
let reference: string | undefined;
for (let round = 0; round < Number(roundsArg); round++) {
  for (const kernel of ["js", "auto"] as const) {
    const e = new RegionEnumerator(net, { box, bounds, exact, lpKernel: kernel });
    const tasks = e.splitTasks().tasks.slice(0, Number(tasksArg));
    const t0 = performance.now();
    let regions = 0;
    for (const task of tasks) regions += e.runTask(task);
    times[kernel].push((performance.now() - t0) / 1000);
    const lp = (e as unknown as { lp: { iterations: number; kernelKind: string } }).lp;
    const fingerprint = `${regions} regions, ${e.stats.lps} LPs, ${lp.iterations} iterations`;
    if (reference === undefined) reference = fingerprint;
    else if (fingerprint !== reference) throw new Error(`${kernel}: ${fingerprint}, expected ${reference}`);
    process.stderr.write(`round ${round + 1} ${lp.kernelKind}: ${times[kernel].at(-1)!.toFixed(2)} s (${fingerprint})\n`);
  }
}
const js = median(times.js), wasm = median(times.auto);
console.log(`${name}, first ${tasksArg} tasks: ${reference}; JS path ${js.toFixed(2)} s, wasm kernel ${wasm.toFixed(2)} s (medians of ${roundsArg}); ${(js / wasm).toFixed(2)}× faster`);
