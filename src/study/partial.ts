/**
 * Checkpoints of a network's count in progress, so that a study stopped in the middle of a large count (a killed
 * process, the end of a session) resumes it where it stopped instead of from zero. The count is split into the
 * engine's deterministic tasks; a checkpoint lists the finished tasks (by their decisions, which identify them
 * whatever order a version of the engine visits them in) with their regions and LPs, the digits'
 * activation patterns not found yet, and the counting seconds spent so far. It is tied to the trained weights by
 * their fingerprint (retraining from the seed is bit-identical, so a resumed network matches) and to the threshold.
 * Node only.
 *
 *   DIR/partial/<id>.json
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./store.ts";

/** Seconds between checkpoints while a network is counted (a stop loses at most this much counting, plus a task). */
export const PARTIAL_SAVE_SECONDS = 30;

/** A network's count in progress. */
export interface PartialCount {
  format: "tessera-study-partial";
  version: 1;
  id: string;
  fingerprint: string;
  threshold: number;
  /** Number of tasks of the split. */
  tasks: number;
  /** Finished tasks: the task's decisions (a string of digits, one per unit of the split) → [regions, lps]. */
  done: Record<string, [number, number]>;
  /** Probe (digit) activation patterns not yet found among the counted regions. */
  missing: string[];
  /** Counting seconds spent in earlier runs (tightening included once per run). */
  seconds: number;
  /** Runs that have worked on this count. */
  runs: number;
}

/** Where partial counts of a study directory live. */
export function partialDir(studyDir: string): string {
  return join(studyDir, "partial");
}

/** The checkpoint of network `id`, or undefined when there is none or it is unreadable (the count then restarts). */
export function loadPartial(dir: string, id: string): PartialCount | undefined {
  try {
    const p = JSON.parse(readFileSync(join(dir, `${id}.json`), "utf8")) as PartialCount;
    return p.format === "tessera-study-partial" && p.version === 1 && p.id === id ? p : undefined;
  } catch {
    return undefined;
  }
}

/** Write the checkpoint atomically. */
export function savePartial(dir: string, p: PartialCount): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, `${p.id}.json`), JSON.stringify(p) + "\n");
}

/** Remove the checkpoint of a finished network. */
export function removePartial(dir: string, id: string): void {
  rmSync(join(dir, `${id}.json`), { force: true });
}
