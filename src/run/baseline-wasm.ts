/** Compile HiGHS's WebAssembly with V8's baseline tier only, for `tessera count` in one process. Node-only. */
import { setFlagsFromString } from "node:v8";

/**
 * Run `work` under --liftoff-only: loading HiGHS and tightening the bounds (the `around` of `countingBounds`,
 * src/count/session.ts).
 * The engine asks HiGHS only for a few tightening LPs and rare borderline LPs, so compiling HiGHS's wasm with V8's
 * baseline tier only avoids ~0.3 s of optimising compilation that otherwise competes with the engine's own JIT
 * (random-2-32-32-s5 from a cold process: 0.69 s → 0.34 s). V8's flags are process-wide and a module compiled under
 * --liftoff-only never tiers up (V8 also shares compiled modules between threads), so the flags are restored at once,
 * and MarginLP's pivot kernel, compiled when the engine was imported, keeps its optimising tier (4× faster). Studies,
 * whose threads run this concurrently, and the queue coordinator leave the flags alone (a single thread is at this
 * point only in `tessera count`).
 */
export async function withBaselineWasm<T>(work: () => Promise<T>): Promise<T> {
  setFlagsFromString("--liftoff-only");
  try {
    return await work();
  } finally {
    // --liftoff-only also switched dynamic tiering off: both are restored.
    setFlagsFromString("--no-liftoff-only");
    setFlagsFromString("--wasm-dynamic-tiering");
  }
}
