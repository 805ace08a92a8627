/**
 * A worker thread of `tessera worker`: its own HiGHS and one enumerator per job it has been given (the pool decides
 * which jobs a thread keeps), runs units one at a time and posts what each gave.
 */
import { parentPort } from "node:worker_threads";
import { RegionEnumerator } from "../count/engine.ts";
import { highsMarginSolver } from "../lp/highs-margin.ts";
import { loadHighs } from "../lp/highs.ts";
import { patternFromString } from "../model/evaluate.ts";
import type { Box, Network } from "../model/network.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { runUnit, type UnitRun } from "./unit-run.ts";

/** What a thread needs to build a job's enumerator. */
export interface ThreadJob {
  network: Network;
  box: Box;
  threshold: number;
  bounds: PreActivationBounds;
}

/** Messages to a unit thread. */
export type UnitThreadRequest =
  | { type: "load"; job: string; data: ThreadJob }
  | { type: "forget"; job: string }
  | { type: "unit"; seq: number; job: string; task: string; limitSeconds: number };

/** Messages from a unit thread. */
export type UnitThreadReply = { type: "run"; seq: number; run: UnitRun } | { type: "error"; seq: number; message: string };

const port = parentPort;
if (!port) throw new Error("unit-thread must run in a worker thread");
const enumerators = new Map<string, RegionEnumerator>();
const highs = loadHighs();

/** Handle one request; requests are handled strictly in order (a unit may follow the load of its job at once). */
async function handle(msg: UnitThreadRequest): Promise<void> {
  if (msg.type === "load") {
    const d = msg.data;
    enumerators.set(msg.job, new RegionEnumerator(d.network, { box: d.box, threshold: d.threshold, bounds: d.bounds, exact: highsMarginSolver(await highs) }));
  } else if (msg.type === "forget") {
    enumerators.delete(msg.job);
  } else {
    const enumerator = enumerators.get(msg.job);
    if (!enumerator) throw new Error(`job ${msg.job} was not loaded in this thread`);
    const run = runUnit(enumerator, patternFromString(msg.task), msg.limitSeconds);
    port!.postMessage({ type: "run", seq: msg.seq, run } satisfies UnitThreadReply);
  }
}

let chain = Promise.resolve();
port.on("message", (msg: UnitThreadRequest) => {
  chain = chain.then(() => handle(msg)).catch((err) => {
    const seq = msg.type === "unit" ? msg.seq : -1;
    port.postMessage({ type: "error", seq, message: err instanceof Error ? err.message : String(err) } satisfies UnitThreadReply);
  });
});
