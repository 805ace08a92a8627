/**
 * Balls around an input point: the norm, its dual, the ball's bounding box clipped to a domain, and checks of the
 * arguments. Core-safe (no Node APIs).
 */
import type { Box, Network } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";

/** The norm of a ball: Euclidean ("2") or maximum ("inf"). */
export type BallNorm = "2" | "inf";

/** A ball {x : ‖x − center‖ < radius} (open; the counts do not depend on it, the closure adds no region). */
export interface Ball {
  center: ArrayLike<number>;
  radius: number;
  norm: BallNorm;
}

/** ‖v‖ in the given norm. */
export function normOf(v: ArrayLike<number>, norm: BallNorm): number {
  let s = 0;
  if (norm === "inf") {
    for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i]));
    return s;
  }
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** The dual norm ‖v‖_* (‖·‖_2 for the 2-norm, ‖·‖_1 for the ∞-norm): max of w·v over the unit ball. */
export function dualNormOf(v: ArrayLike<number>, norm: BallNorm): number {
  if (norm === "2") return normOf(v, "2");
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.abs(v[i]);
  return s;
}

/** Distance ‖x − y‖ in the given norm. */
export function distanceBetween(x: ArrayLike<number>, y: ArrayLike<number>, norm: BallNorm): number {
  const d = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) d[i] = x[i] - y[i];
  return normOf(d, norm);
}

/**
 * Parse a norm name: "2", "l2", "euclidean" → "2"; "inf", "linf", "max", "infinity" → "inf". Throws a one-line
 * ModelError for anything else.
 */
export function parseBallNorm(text: string): BallNorm {
  const t = text.trim().toLowerCase();
  if (["2", "l2", "euclidean"].includes(t)) return "2";
  if (["inf", "linf", "l-inf", "infinity", "max", "∞"].includes(t)) return "inf";
  throw new ModelError(`unknown norm "${text}": use 2 or inf`);
}

/** Throw a one-line ModelError unless `center` has the network's input dimension, finite entries, and radius > 0. */
export function checkBall(net: Network, ball: Ball): void {
  if (ball.center.length !== net.inputDim) {
    throw new ModelError(`the centre has ${ball.center.length} coordinates, the network takes ${net.inputDim}`);
  }
  for (let i = 0; i < ball.center.length; i++) {
    if (!Number.isFinite(ball.center[i])) throw new ModelError(`centre coordinate ${i} is ${ball.center[i]}, not a finite number`);
  }
  if (!(Number.isFinite(ball.radius) && ball.radius > 0)) throw new ModelError(`the radius must be a positive finite number, got ${ball.radius}`);
  if (ball.norm !== "2" && ball.norm !== "inf") throw new ModelError(`unknown norm "${String(ball.norm)}": use 2 or inf`);
}

/**
 * The bounding box of the ball intersected with `domain` (coordinate j in [c_j − r, c_j + r] ∩ [lo_j, hi_j]); for
 * the ∞-norm it is the ball ∩ domain itself. Undefined when the intersection has empty interior (then no region
 * meets ball ∩ domain).
 */
export function ballBoundingBox(ball: Ball, domain?: Box): Box | undefined {
  const n = ball.center.length;
  const lo = new Float64Array(n), hi = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    lo[j] = ball.center[j] - ball.radius;
    hi[j] = ball.center[j] + ball.radius;
    if (domain) {
      lo[j] = Math.max(lo[j], domain.lo[j]);
      hi[j] = Math.min(hi[j], domain.hi[j]);
    }
    if (!(lo[j] < hi[j])) return undefined;
  }
  return { lo, hi };
}

/** The point of `box` nearest to x (coordinatewise clamp): nearest in every p-norm. */
export function clampToBox(x: ArrayLike<number>, box: Box): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = Math.min(box.hi[j], Math.max(box.lo[j], x[j]));
  return out;
}

/** Whether the ball contains the whole box (every vertex at distance < r; for the 2-norm the farthest vertex decides). */
export function ballContainsBox(ball: Ball, box: Box): boolean {
  const far = new Float64Array(ball.center.length);
  for (let j = 0; j < far.length; j++) {
    far[j] = Math.max(Math.abs(box.lo[j] - ball.center[j]), Math.abs(box.hi[j] - ball.center[j]));
  }
  return normOf(far, ball.norm) < ball.radius;
}
