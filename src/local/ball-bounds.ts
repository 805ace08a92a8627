/**
 * Sound bounds on every hidden pre-activation over a ball ∩ domain: layer 1 exactly over the ball with the dual
 * norm, intersected with interval arithmetic over the ball's bounding box ∩ domain; deeper layers by interval
 * propagation, and, when HiGHS is given, intersected with LP bounds over that box (for the ∞-norm the box is the ball
 * ∩ domain itself, so the LP bounds are over the ball). Core-safe.
 */
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers } from "../model/network.ts";
import type { Highs } from "../lp/highs.ts";
import { activateInterval, affineInterval, intervalBounds, type PreActivationBounds } from "../tighten/interval.ts";
import { lpBounds } from "../tighten/lp.ts";
import { type Ball, ballBoundingBox, dualNormOf } from "./ball.ts";
import { requireLayerwise } from "../model/lower.ts";

/** Options of {@link ballPreActivationBounds}. */
export interface BallBoundsOptions {
  /** The model's input domain: the ball is clipped to it. */
  domain?: Box;
  /** With HiGHS, deeper layers are also bounded by LP over the bounding box of ball ∩ domain. */
  highs?: Highs;
  /** Incremented by the LPs solved. */
  stats?: { lps: number };
}

/**
 * Bounds on each hidden pre-activation over ball ∩ domain (undefined when ball ∩ domain has empty interior). Layer 1:
 * over the ball g_i ∈ [g_i(x0) − r‖w_i‖_*, g_i(x0) + r‖w_i‖_*] (Hölder, exact for the ball; the criterion of Zhu,
 * Lin & Tang 2020 for a unit that does not cut the ball), intersected with the exact range over the bounding box.
 */
export function ballPreActivationBounds(net: Network, ball: Ball, opts: BallBoundsOptions = {}): PreActivationBounds | undefined {
  requireLayerwise(net, "ball bounds");
  const box = ballBoundingBox(ball, opts.domain);
  if (!box) return undefined;
  const layers = hiddenLayers(net);
  if (layers.length === 0) return { lower: [], upper: [] };
  const first = intervalBounds(net, box);
  const lower = first.lower.map((a) => Float64Array.from(a));
  const upper = first.upper.map((a) => Float64Array.from(a));
  const L1 = layers[0];
  for (let r = 0; r < L1.outDim; r++) {
    const w = L1.weights.subarray(r * L1.inDim, (r + 1) * L1.inDim);
    let g = L1.bias[r];
    for (let j = 0; j < L1.inDim; j++) g += w[j] * ball.center[j];
    // Hölder: |w · (x − x0)| ≤ ‖w‖_* ‖x − x0‖ < r ‖w‖_* on the ball (Zhu, Lin & Tang 2020, layer-1 stability).
    const spread = ball.radius * dualNormOf(w, ball.norm);
    lower[0][r] = Math.max(lower[0][r], g - spread);
    upper[0][r] = Math.min(upper[0][r], g + spread);
  }
  if (opts.highs && layers.length > 1) {
    const lp = lpBounds(net, box, opts.highs, { stats: opts.stats });
    for (let l = 1; l < layers.length; l++) intersectInto(lower[l], upper[l], lp.lower[l], lp.upper[l]);
  }
  // Propagate the (tighter) layer-l bounds to layer l + 1 by interval arithmetic and keep the intersection.
  for (let l = 1; l < layers.length; l++) {
    const prev = activateInterval(layers[l - 1].activation, lower[l - 1], upper[l - 1]);
    const next = affineInterval(layers[l].weights, layers[l].bias, layers[l].inDim, layers[l].outDim, prev.lo, prev.hi);
    intersectInto(lower[l], upper[l], next.lo, next.hi);
  }
  return { lower, upper };
}

/** lower := max(lower, lo), upper := min(upper, hi), elementwise. */
function intersectInto(lower: Float64Array, upper: Float64Array, lo: Float64Array, hi: Float64Array): void {
  for (let i = 0; i < lower.length; i++) {
    lower[i] = Math.max(lower[i], lo[i]);
    upper[i] = Math.min(upper[i], hi[i]);
  }
}
