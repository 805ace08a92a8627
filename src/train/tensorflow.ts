/**
 * TensorFlow.js on its WebAssembly backend, set up once per process (or worker thread) for deterministic training:
 * single-threaded XNNPACK kernels (no SharedArrayBuffer thread pool), production mode (no Node banner, no debug
 * checks). Node only: the backend's .wasm files are read from the installed package's dist folder.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export type Tf = typeof tf;

let ready: Promise<Tf> | undefined;

/**
 * The TensorFlow.js namespace with the `wasm` backend active. The first call loads the backend (about 30 ms); later
 * calls return the same promise. Multithreading stays off, so one seed always gives bit-identical weights.
 */
export function loadTensorflow(): Promise<Tf> {
  ready ??= (async () => {
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
