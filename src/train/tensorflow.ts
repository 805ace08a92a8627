/**
 * TensorFlow.js on its WebAssembly backend, set up once per process (or worker thread) for deterministic training:
 * single-threaded XNNPACK kernels (no SharedArrayBuffer thread pool), production mode (no Node banner, no debug
 * checks). Node only: the backend's .wasm files are read from the installed package's dist folder.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as TfNamespace from "@tensorflow/tfjs";

export type Tf = typeof TfNamespace;

let ready: Promise<Tf> | undefined;

/**
 * The TensorFlow.js namespace with the `wasm` backend active. The first call loads the backend (about 30 ms); later
 * calls return the same promise. Multithreading stays off, so one seed always gives bit-identical weights.
 */
export function loadTensorflow(): Promise<Tf> {
  ready ??= (async () => {
    // Loaded on first use, not at import: TensorFlow.js takes ~2 s to import, and every CLI command imports this file.
    const tf = await import("@tensorflow/tfjs");
    const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
    const dist = join(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
    setWasmPaths(`${dist}/`);
    tf.enableProdMode();
    // Threads would split reductions differently from run to run; Node has no cross-origin isolation anyway.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js: the wasm backend failed to initialise");
    await tf.ready();
    return tf;
  })();
  return ready;
}
