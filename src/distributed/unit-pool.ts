/**
 * The threads of one `tessera worker` process: each runs one unit at a time with its own HiGHS and keeps the
 * enumerators of the few jobs it ran last, so consecutive units of a job cost no set-up.
 */
import { Worker } from "node:worker_threads";
import type { ThreadJob, UnitThreadReply, UnitThreadRequest } from "./unit-thread.ts";
import type { UnitRun } from "./unit-run.ts";

/** Jobs whose enumerators a thread keeps (least recently used first out). */
const JOBS_PER_THREAD = 4;

/** Why a unit's run was given up: the pool was stopped. */
export class UnitAbortedError extends Error {
  override name = "UnitAbortedError";
}

interface Slot {
  thread: Worker;
  /** Jobs loaded in the thread, least recently used first. */
  jobs: string[];
  busy?: { seq: number; job?: string; resolve: (r: UnitRun) => void; reject: (e: Error) => void };
}

interface Waiting {
  start: (slot: Slot) => void;
  reject: (e: Error) => void;
}

/** A fixed set of unit threads. */
export class UnitPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiting[] = [];
  private seq = 0;
  private closed = false;

  constructor(size: number, private readonly log: (line: string) => void) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { thread: new Worker(new URL("./unit-thread-boot.mjs", import.meta.url)), jobs: [] };
    slot.thread.on("message", (msg: UnitThreadReply) => {
      const busy = slot.busy;
      if (msg.type === "error" && msg.seq < 0) {
        this.log(`thread: ${msg.message}`);
        return;
      }
      if (!busy || busy.seq !== msg.seq) return;
      slot.busy = undefined;
      if (msg.type === "run") busy.resolve(msg.run);
      else {
        // Reload the job before its next unit here: a failed load shows up as a failed unit.
        slot.jobs = slot.jobs.filter((j) => j !== busy.job);
        busy.reject(new Error(msg.message));
      }
      this.release(slot);
    });
    // A thread that dies (out of memory, a crash in WebAssembly) fails its unit and is replaced.
    const replace = (why: string) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      slot.busy?.reject(new Error(`unit thread died: ${why}`));
      slot.busy = undefined;
      if (this.closed) return;
      const fresh = this.spawn();
      this.slots[index] = fresh;
      this.release(fresh);
    };
    slot.thread.on("error", (err) => replace(err instanceof Error ? err.message : String(err)));
    slot.thread.on("exit", (code) => replace(`exit code ${code}`));
    return slot;
  }

  /** Hand a free slot to the next waiting run, reserved for it. */
  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) {
      this.reserve(slot);
      next.start(slot);
    }
  }

  /** Mark a slot taken until its run posts the unit (which sets the real `busy`). */
  private reserve(slot: Slot): Slot {
    slot.busy = { seq: -1, resolve: () => {}, reject: () => {} };
    return slot;
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new UnitAbortedError("the worker is stopping"));
    const free = this.slots.find((s) => !s.busy);
    if (free) return Promise.resolve(this.reserve(free));
    return new Promise((start, reject) => this.waiting.push({ start, reject }));
  }

  /** Run one unit of `job` (loading the job into the thread first if it does not have it). */
  async run(job: string, data: () => ThreadJob, task: string, limitSeconds: number): Promise<UnitRun> {
    const slot = await this.acquire();
    const post = (m: UnitThreadRequest) => slot.thread.postMessage(m);
    const at = slot.jobs.indexOf(job);
    if (at >= 0) slot.jobs.splice(at, 1);
    else {
      post({ type: "load", job, data: data() });
      if (slot.jobs.length >= JOBS_PER_THREAD) post({ type: "forget", job: slot.jobs.shift()! });
    }
    slot.jobs.push(job);
    const seq = ++this.seq;
    return new Promise<UnitRun>((resolve, reject) => {
      slot.busy = { seq, job, resolve, reject };
      post({ type: "unit", seq, job, task, limitSeconds });
    });
  }

  /** Stop every thread: units running now are given up (their promises reject with {@link UnitAbortedError}). */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new UnitAbortedError("the worker is stopping"));
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.busy?.reject(new UnitAbortedError("the worker is stopping"));
      s.busy = undefined;
    }
    await Promise.all(slots.map((s) => s.thread.terminate()));
  }
}
