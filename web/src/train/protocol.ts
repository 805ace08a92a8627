/** Messages between the page and the training worker (structured-cloned; networks travel as plain objects). */
import type { Network } from "tessera";
import type { EpochMetrics, TrainConfig, TrainData, TrainTuning } from "./mlp.ts";

/** The TF.js backends the worker can run on (headless Chromium has no GPU, so no WebGL). */
export type TrainBackend = "cpu" | "wasm";
/** A backend to force, or "auto": chosen per architecture at every reset (see train-worker.ts). */
export type BackendChoice = TrainBackend | "auto";

/** Page → training worker. */
export type TrainRequest =
  /** Choose the backend (first message; without it the worker uses its default). */
  | { type: "init"; backend?: BackendChoice }
  /** Start over: new data, config and (optionally) weights to start from; the worker pauses and reports epoch 0. */
  | { type: "reset"; run: number; config: TrainConfig; data: TrainData; initial?: Network }
  /** Change learning rate, batch size, optimizer or regularisation from the next epoch on (weights kept). */
  | { type: "retune"; run: number; tuning: TrainTuning }
  | { type: "play" }
  | { type: "pause" }
  /** Train this many epochs, then pause. */
  | { type: "step"; epochs: number };

/** Training worker → page. */
export type TrainReport =
  /** After reset (epoch 0) and after every epoch; `run` is the reset's number, so the page can drop stale reports. */
  | { type: "epoch"; run: number; epoch: number; network: Network; metrics: EpochMetrics; epochMs: number; backend: TrainBackend }
  | { type: "state"; playing: boolean }
  | { type: "error"; message: string };
