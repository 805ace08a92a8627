/**
 * Replaying measured unit times on more workers than the machine has: greedy list scheduling (each idle worker takes
 * the next queued unit, first in first out, as BullMQ hands them out) with the time-split rule (a unit longer than
 * the limit runs for the limit, pays its split, and queues its children). The unit tree comes from a recorded job:
 * a counted unit's time is its whole subtree's, a split unit's whole time is the sum of its children's.
 */
import type { UnitOutcome } from "./ledger.ts";

/** A unit of a recorded job, as the simulation sees it. */
export interface SimUnit {
  /** Seconds to count the whole subtree in one run. */
  seconds: number;
  /** Seconds a split costs beyond the time limit (computing the children), when the unit was split in the record. */
  splitSeconds: number;
  /** The children it was split into, when it was split in the record. */
  children?: SimUnit[];
}

/**
 * The recorded tree of a job from its ledger's outcomes: `recordedLimit` is the unit time limit the job ran with
 * (a split unit's recorded seconds are that limit, give or take a tick, plus its split). Throws if a unit of the
 * tree has no outcome (the job is not finished).
 */
export function recordedUnits(seeds: readonly string[], outcomes: ReadonlyMap<string, UnitOutcome>, recordedLimit: number): SimUnit[] {
  const build = (id: string): SimUnit => {
    const o = outcomes.get(id);
    if (!o) throw new Error(`unit ${id || "(root)"} has no outcome: the job is not finished`);
    if (o.kind === "counted") return { seconds: o.seconds, splitSeconds: 0 };
    const children = o.children.map(build);
    return { seconds: children.reduce((s, c) => s + c.seconds, 0), splitSeconds: Math.max(0, o.seconds - recordedLimit), children };
  };
  return seeds.map(build);
}

/** The outcome of a simulated run. */
export interface SimResult {
  /** Seconds until the last unit is done. */
  makespan: number;
  /** Units run (seeds plus the children of splits). */
  units: number;
  /** Seconds of work abandoned by splits (limit plus split cost per split). */
  abandoned: number;
}

/**
 * Simulate `workers` workers on the units `roots` with time limit `limit` (Infinity: no splits), adding
 * `overheadSeconds` per unit (the queue's round trips).
 */
export function simulateSchedule(roots: readonly SimUnit[], workers: number, limit: number, overheadSeconds = 0): SimResult {
  const queue: SimUnit[] = [...roots];
  let next = 0;
  const running: { end: number; spawn?: SimUnit[] }[] = [];
  let now = 0, units = 0, abandoned = 0;
  while (next < queue.length || running.length > 0) {
    while (running.length < workers && next < queue.length) {
      const u = queue[next++];
      units++;
      if (u.children && u.children.length > 0 && u.seconds > limit) {
        running.push({ end: now + limit + u.splitSeconds + overheadSeconds, spawn: u.children });
        abandoned += limit + u.splitSeconds;
      } else {
        running.push({ end: now + u.seconds + overheadSeconds });
      }
    }
    let first = 0;
    for (let k = 1; k < running.length; k++) if (running[k].end < running[first].end) first = k;
    const [done] = running.splice(first, 1);
    now = done.end;
    if (done.spawn) queue.push(...done.spawn);
  }
  return { makespan: now, units, abandoned };
}

/** Seconds of work of the units counted whole (the time of one worker without splits). */
export function serialSeconds(roots: readonly SimUnit[]): number {
  return roots.reduce((s, u) => s + u.seconds, 0);
}
