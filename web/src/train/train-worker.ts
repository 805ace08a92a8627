/**
 * The training worker: TF.js runs here so the page never freezes. It owns one {@link MlpTrainer}; "play" trains
 * epoch after epoch (yielding to the message queue between epochs so "pause" is heard at once), "step" trains a
 * given number of epochs. Every epoch is reported with the weights as a Tessera network and the metrics. Messages
 * are handled one after another (a reset may wait for a backend to load).
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core alone registers no gradients (the @tensorflow/tfjs package does): training needs them.
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreaded from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import { MlpTrainer, type TrainConfig } from "./mlp.ts";
import type { BackendChoice, TrainBackend, TrainReport, TrainRequest } from "./protocol.ts";

/**
 * Weights (Σ n_{l−1}·n_l) from which "auto" trains on wasm rather than cpu. Measured in headless Chromium 150
 * (docs/explorer.md): with the explorer's batches of 16 points, per-op overhead dominates small matrices and the cpu
 * backend is faster up to about 2-32-32-32-2 (2,176 weights; the two are even there), wasm is 2–3× faster at 2-64-64-2.
 */
export const WASM_FROM_WEIGHTS = 2000;

const post = (m: TrainReport) => (self as unknown as Worker).postMessage(m);

let choice: BackendChoice = "auto";
let wasmFailed: string | undefined;
let trainer: MlpTrainer | undefined;
let run = 0;
let playing = false;
let stepsLeft = 0;
let looping = false;

/** The backend for a config: the forced one, or by size for "auto" (cpu when wasm failed to load). */
function backendFor(config: TrainConfig, classes: number): TrainBackend {
  if (wasmFailed) return "cpu";
  if (choice !== "auto") return choice;
  const dims = [2, ...config.widths, classes];
  let weights = 0;
  for (let l = 1; l < dims.length; l++) weights += dims[l - 1] * dims[l];
  return weights >= WASM_FROM_WEIGHTS ? "wasm" : "cpu";
}

/** Switch TF.js to a backend (loading wasm the first time); falls back to cpu for good if wasm cannot load. */
async function useBackend(b: TrainBackend): Promise<TrainBackend> {
  if (tf.getBackend() === b) return b;
  if (b === "wasm") {
    try {
      if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not initialise");
      await tf.ready();
      return "wasm";
    } catch (err) {
      wasmFailed = err instanceof Error ? err.message : String(err);
      post({ type: "error", message: `TF.js wasm backend unavailable (${wasmFailed}): training on cpu` });
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return "cpu";
}

function report(epochMs: number): void {
  if (!trainer) return;
  post({ type: "epoch", run, epoch: trainer.epoch, network: trainer.network(), metrics: trainer.metrics(), epochMs, backend: tf.getBackend() as TrainBackend });
}

function setPlaying(p: boolean): void {
  if (playing === p) return;
  playing = p;
  post({ type: "state", playing });
}

/** Train while playing or while steps are left, one epoch per macrotask. */
async function loop(): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    while (trainer && (playing || stepsLeft > 0)) {
      const t0 = performance.now();
      trainer.trainEpoch();
      const ms = performance.now() - t0;
      if (stepsLeft > 0) stepsLeft--;
      report(ms);
      if (!playing && stepsLeft === 0) break;
      await new Promise((r) => setTimeout(r, 0));
    }
  } catch (err) {
    setPlaying(false);
    stepsLeft = 0;
    post({ type: "error", message: `training failed: ${err instanceof Error ? err.message : String(err)}` });
  } finally {
    looping = false;
  }
}

async function handle(m: TrainRequest): Promise<void> {
  switch (m.type) {
    case "init":
      choice = m.backend ?? "auto";
      break;
    case "reset":
      setPlaying(false);
      stepsLeft = 0;
      trainer?.dispose();
      trainer = undefined;
      run = m.run;
      try {
        await useBackend(backendFor(m.config, m.data.classes));
        trainer = new MlpTrainer(tf, m.config, m.data, m.initial);
      } catch (err) {
        trainer = undefined;
        post({ type: "error", message: `cannot start training: ${err instanceof Error ? err.message : String(err)}` });
        return;
      }
      report(0);
      break;
    case "retune":
      if (trainer && m.run === run) trainer.retune(m.tuning);
      break;
    case "play":
      if (!trainer) return;
      setPlaying(true);
      void loop();
      break;
    case "pause":
      setPlaying(false);
      stepsLeft = 0;
      break;
    case "step":
      if (!trainer || playing) return;
      stepsLeft += m.epochs;
      void loop();
      break;
  }
}

tf.enableProdMode();
setWasmPaths({ "tfjs-backend-wasm.wasm": wasmPlain, "tfjs-backend-wasm-simd.wasm": wasmSimd, "tfjs-backend-wasm-threaded-simd.wasm": wasmThreaded });
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<TrainRequest>) => {
  // A failure is reported and the queue goes on (a rejected chain would drop every later message).
  queue = queue.then(() => handle(e.data)).catch((err: unknown) => post({ type: "error", message: `training worker: ${err instanceof Error ? err.message : String(err)}` }));
};
