/**
 * `tessera count` on a 1-input network (`--method auto` or `intervals`): exact breakpoints along the line
 * (src/skeleton/intervals.ts) with the regions file and verifier (Node: files; printing is src/cli/print-skeleton.ts).
 * No HiGHS, no LP.
 */
import type { VerifyReport } from "../count/verify.ts";
import { intervalCount, type IntervalCountResult } from "../skeleton/intervals.ts";
import { withRegionOutputs, type RegionRunOptions } from "./regions-file.ts";

/** Options of {@link runIntervalCount}. */
export type IntervalRunOptions = RegionRunOptions;

/** An interval count as the CLI reports it. */
export interface IntervalRunResult extends IntervalCountResult {
  verify?: VerifyReport;
}

/** Count by intervals; throws SkeletonUnsupported / SkeletonUndecided for the caller to handle. */
export function runIntervalCount(opts: IntervalRunOptions): IntervalRunResult {
  const { result, verify } = withRegionOutputs(opts, (out) =>
    intervalCount(opts.loaded.network, {
      box: opts.box,
      threshold: opts.threshold,
      onRegion: (r) => out?.(r.pattern, r.point, r.radius, { interval: [r.lo, r.hi] }),
    }));
  return { ...result, ...(verify ? { verify } : {}) };
}
