/**
 * `tessera count` on a 1-input network (`--method auto` or `intervals`): exact breakpoints along the line
 * (src/skeleton/intervals.ts) with the regions file and verifier (Node: files; printing is src/cli/print-skeleton.ts).
 * No HiGHS, no LP.
 */
import { PartitionVerifier, type VerifyReport } from "../count/verify.ts";
import type { LoadedModel } from "../io/load.ts";
import { patternToString } from "../model/evaluate.ts";
import type { Box } from "../model/network.ts";
import { intervalCount, type IntervalCountResult } from "../skeleton/intervals.ts";
import { RegionLineWriter } from "./regions-file.ts";

/** Options of {@link runIntervalCount}. */
export interface IntervalRunOptions {
  loaded: LoadedModel;
  box: Box;
  threshold: number;
  regionsOut?: string;
  affine?: boolean;
  verify?: boolean;
  verifySamples?: number;
}

/** An interval count as the CLI reports it. */
export interface IntervalRunResult extends IntervalCountResult {
  verify?: VerifyReport;
}

/** Count by intervals; throws SkeletonUnsupported / SkeletonUndecided for the caller to handle. */
export function runIntervalCount(opts: IntervalRunOptions): IntervalRunResult {
  const net = opts.loaded.network;
  const writer = opts.regionsOut ? new RegionLineWriter(opts.regionsOut, net, !!opts.affine) : undefined;
  const verifier = opts.verify ? new PartitionVerifier(net, opts.box, { samples: opts.verifySamples }) : undefined;
  let result: IntervalCountResult;
  try {
    result = intervalCount(net, {
      box: opts.box,
      threshold: opts.threshold,
      onRegion: (r) => {
        verifier?.add(patternToString(r.pattern), r.point, r.radius);
        writer?.add(r.pattern, r.point, r.radius, { interval: [r.lo, r.hi] });
      },
    });
  } finally {
    writer?.close();
  }
  return { ...result, ...(verifier ? { verify: verifier.finish() } : {}) };
}
