/**
 * Worker thread of `tessera count --workers N`: builds its own enumerator (and HiGHS oracle) from the init message,
 * then runs the tasks it is sent, one at a time, and posts each task's result.
 */
import { parentPort } from "node:worker_threads";
import { PLAIN_SEARCH, RegionEnumerator } from "../count/engine.ts";
import { executeTask, type TaskCollect } from "../count/task.ts";
import { highsMarginSolver } from "../lp/highs-margin.ts";
import { loadHighs } from "../lp/highs.ts";
import type { Box, Network } from "../model/network.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";

/** Message that starts a worker. */
export interface WorkerInit {
  type: "init";
  net: Network;
  box: Box;
  threshold: number;
  bounds: PreActivationBounds;
  collect: TaskCollect;
  /** The plain search ({@link PLAIN_SEARCH}): no accelerations. */
  plain: boolean;
}

/** Messages a worker receives after init. */
export type WorkerRequest = { type: "task"; index: number; task: Uint8Array } | { type: "exit" };

/** Messages a worker posts. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "tick"; index: number; regions: number }
  | { type: "done"; index: number; result: import("../count/task.ts").TaskResult }
  | { type: "error"; message: string };

const port = parentPort;
if (!port) throw new Error("count-worker must run in a worker thread");
let enumerator: RegionEnumerator | undefined;
let collect: TaskCollect = {};

port.on("message", async (msg: WorkerInit | WorkerRequest) => {
  try {
    if (msg.type === "init") {
      const highs = await loadHighs();
      enumerator = new RegionEnumerator(msg.net, {
        box: msg.box,
        threshold: msg.threshold,
        bounds: msg.bounds,
        exact: highsMarginSolver(highs),
        ...(msg.plain ? PLAIN_SEARCH : {}),
      });
      collect = msg.collect;
      port.postMessage({ type: "ready" } satisfies WorkerReply);
    } else if (msg.type === "task") {
      if (!enumerator) throw new Error("task before init");
      const index = msg.index;
      const result = executeTask(enumerator, msg.task, collect, (regions) =>
        port.postMessage({ type: "tick", index, regions } satisfies WorkerReply),
      );
      const transfer = [result.points?.buffer, result.radii?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      port.postMessage({ type: "done", index, result } satisfies WorkerReply, transfer);
    } else if (msg.type === "exit") {
      port.close();
    }
  } catch (err) {
    port.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  }
});
