/**
 * What a box must be before any count, bound or distance is computed in it: finite bounds with lo < hi, a width the
 * double range holds, and a width floating point resolves at the box's own magnitude. Core-safe.
 */
import type { Box } from "./network.ts";

/**
 * Smallest width of a box coordinate at all: 2^−1000, so that the power-of-four scale that brings it to unit width
 * (unitScaleChange) stays a normal double and the rescaling stays exact.
 */
export const MIN_BOX_WIDTH = 2 ** -1000;

/**
 * Smallest width relative to the coordinate's largest bound: the bounds carry 16 digits, and a box within 1e-12 of its
 * own magnitude (10^4 units in the last place) lies where the network's round-off places its hyperplanes (a ball's
 * radius follows the same rule, MIN_RELATIVE_RADIUS in src/local/local-count.ts).
 */
export const MIN_RELATIVE_BOX_WIDTH = 1e-12;

/** Why `box` cannot be used (one phrase naming the coordinate, counted from 1), or undefined when it can. */
export function boxProblem(box: Box): string | undefined {
  for (let j = 0; j < box.lo.length; j++) {
    const lo = box.lo[j], hi = box.hi[j], at = `coordinate ${j + 1} of the box, [${lo}, ${hi}],`;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return `${at} has a bound that is not a finite number`;
    if (!(lo < hi)) return `${at} needs lo < hi`;
    if (!Number.isFinite(hi - lo)) return `${at} is wider than the double range`;
    const least = Math.max(MIN_BOX_WIDTH, MIN_RELATIVE_BOX_WIDTH * Math.max(Math.abs(lo), Math.abs(hi)));
    if (hi - lo < least) return `${at} is narrower than floating point resolves there (at least ${Number(least.toPrecision(2))}: 1e-12 of its largest bound, and never below 2^-1000)`;
  }
  return undefined;
}
