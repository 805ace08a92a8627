/**
 * The training worker: TF.js runs here so the page never freezes. It owns one {@link MlpTrainer}; "play" trains
 * epoch after epoch (yielding to the message queue between epochs so "pause" is heard at once), "step" trains a
 * given number of epochs. Every epoch is reported with the weights as a Tessera network and the metrics.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreaded from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import { MlpTrainer } from "./mlp.ts";
import type { TrainBackend, TrainReport, TrainRequest } from "./protocol.ts";

/**
 * Default backend. Measured in headless Chromium 150 (bench/explorer.ts, docs/explorer.md): for the explorer's small
 * networks and batches the cpu backend is faster per epoch than wasm (per-op overhead dominates tiny matrices).
 */
export const DEFAULT_BACKEND: TrainBackend = "cpu";

const post = (m: TrainReport) => (self as unknown as Worker).postMessage(m);

let trainer: MlpTrainer | undefined;
let run = 0;
let playing = false;
let stepsLeft = 0;
let looping = false;

async function initBackend(wanted: TrainBackend): Promise<void> {
  tf.enableProdMode();
  let note: string | undefined;
  if (wanted === "wasm") {
    setWasmPaths({ "tfjs-backend-wasm.wasm": wasmPlain, "tfjs-backend-wasm-simd.wasm": wasmSimd, "tfjs-backend-wasm-threaded-simd.wasm": wasmThreaded });
    try {
      if (!(await tf.setBackend("wasm"))) throw new Error("setBackend returned false");
    } catch (err) {
      note = `wasm backend unavailable (${err instanceof Error ? err.message : String(err)}), using cpu`;
      await tf.setBackend("cpu");
    }
  } else {
    await tf.setBackend("cpu");
  }
  await tf.ready();
  post({ type: "ready", backend: tf.getBackend() as TrainBackend, note });
}

function report(epochMs: number): void {
  if (!trainer) return;
  post({ type: "epoch", run, epoch: trainer.epoch, network: trainer.network(), metrics: trainer.metrics(), epochMs });
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

let ready: Promise<void> | undefined;

self.onmessage = async (e: MessageEvent<TrainRequest>) => {
  const m = e.data;
  if (m.type === "init") {
    ready ??= initBackend(m.backend ?? DEFAULT_BACKEND);
    return;
  }
  await (ready ??= initBackend(DEFAULT_BACKEND));
  switch (m.type) {
    case "reset":
      trainer?.dispose();
      setPlaying(false);
      stepsLeft = 0;
      run = m.run;
      try {
        trainer = new MlpTrainer(m.config, m.data, m.initial);
      } catch (err) {
        trainer = undefined;
        post({ type: "error", message: `cannot start training: ${err instanceof Error ? err.message : String(err)}` });
        return;
      }
      report(0);
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
};
