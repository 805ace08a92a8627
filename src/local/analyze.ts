/**
 * Everything `tessera local` reports about one ball: the local upper bound (after Zhu, Lin & Tang 2020), the exact
 * number of regions meeting ball ∩ domain, and the distances from the centre to the nearest region boundary and to the
 * nearest class boundary. Core-safe.
 */
import type { Network } from "../model/network.ts";
import { type Ball, checkBall } from "./ball.ts";
import { type ClassBoundaryDistance, distanceToClassBoundary } from "./class-boundary.ts";
import { type LocalBound, localUpperBound } from "./local-bound.ts";
import { countLocalRegions, type LocalCountOptions, type LocalCountResult } from "./local-count.ts";
import { nearestRegionBoundary, type NearestRegionBoundary } from "./region-boundary.ts";
import { loadHighs } from "../lp/highs.ts";
import { requireLayerwise } from "../model/lower.ts";

/** Options of {@link analyzeBall}. */
export interface BallAnalysisOptions extends LocalCountOptions {
  /** Also search for the nearest class boundary (default true). */
  classBoundary?: boolean;
  /** Cap of the class-boundary search (regions opened). */
  maxRegions?: number;
}

/** The local analysis of one ball. */
export interface BallAnalysis {
  ball: Ball;
  /** Exact number of regions meeting ball ∩ domain. */
  regions: number;
  bound: LocalBound;
  count: LocalCountResult;
  regionBoundary: NearestRegionBoundary;
  classBoundary?: ClassBoundaryDistance;
  seconds: number;
}

/** Bound, exact count and distances for one ball (see the module comment). */
export async function analyzeBall(net: Network, ball: Ball, opts: BallAnalysisOptions = {}): Promise<BallAnalysis> {
  requireLayerwise(net, "local analysis");
  checkBall(net, ball);
  const t0 = Date.now();
  const highs = opts.highs ?? (await loadHighs());
  const count = await countLocalRegions(net, ball, { ...opts, highs });
  const bound: LocalBound = count.bounds
    ? localUpperBound(net, count.bounds)
    : { value: 0n, stable: { active: [], inactive: [] }, formula: "ball ∩ domain has no interior" };
  const regionBoundary = nearestRegionBoundary(net, ball.center, ball.norm, opts.domain);
  const classBoundary = opts.classBoundary === false
    ? undefined
    : await distanceToClassBoundary(net, ball.center, ball.norm, { domain: opts.domain, highs, maxRegions: opts.maxRegions });
  return { ball, regions: count.regions, bound, count, regionBoundary, classBoundary, seconds: (Date.now() - t0) / 1000 };
}
