/**
 * `tessera count` on a 1-input network (`--method auto` or `intervals`): exact breakpoints along the line
 * (src/skeleton/intervals.ts) with the CLI's regions file and verifier. No HiGHS, no LP.
 */
import { closeSync } from "node:fs";
import { describeBox } from "../bounds/from-network.ts";
import { PartitionVerifier, type VerifyReport } from "../count/verify.ts";
import type { LoadedModel } from "../io/load.ts";
import { patternToString, regionForms } from "../model/evaluate.ts";
import type { Box } from "../model/network.ts";
import { intervalCount, type IntervalCountResult } from "../skeleton/intervals.ts";
import { formatCount } from "../util/progress.ts";
import { appendRegions, openRegionsFile } from "../run/regions-file.ts";
import { verifyLines } from "./verify-lines.ts";

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
  const file = opts.regionsOut ? openRegionsFile(opts.regionsOut) : undefined;
  const verifier = opts.verify ? new PartitionVerifier(net, opts.box, { samples: opts.verifySamples }) : undefined;
  const lines: string[] = [];
  let result: IntervalCountResult;
  try {
    result = intervalCount(net, {
      box: opts.box,
      threshold: opts.threshold,
      onRegion: (r) => {
        const pattern = patternToString(r.pattern);
        verifier?.add(pattern, r.point, r.radius);
        if (!file) return;
        const record: Record<string, unknown> = { pattern, point: Array.from(r.point), radius: r.radius, interval: [r.lo, r.hi] };
        if (opts.affine) {
          const map = regionForms(net, r.pattern).output;
          const J: number[][] = [];
          for (let i = 0; i < map.rows; i++) J.push(Array.from(map.J.subarray(i * map.cols, (i + 1) * map.cols)));
          record.affine = { J, c: Array.from(map.c) };
        }
        lines.push(JSON.stringify(record));
      },
    });
    if (file && lines.length) appendRegions(file, lines.join("\n") + "\n");
  } finally {
    if (file) closeSync(file.fd);
  }
  return { ...result, ...(verifier ? { verify: verifier.finish() } : {}) };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Print an interval count as `tessera count` does (text or one JSON object). */
export function printIntervalResult(r: IntervalRunResult, modelPath: string, box: Box, json: boolean, note?: string): void {
  const stable = sum(r.stableActive) + sum(r.stableInactive);
  if (json) {
    process.stdout.write(
      JSON.stringify({
        model: modelPath,
        method: "intervals",
        ...(note ? { chosen: note } : {}),
        regions: r.regions,
        complete: true,
        stableUnits: stable,
        stableActive: r.stableActive,
        stableInactive: r.stableInactive,
        lps: 0,
        breakpoints: r.breakpoints,
        intervals: r.intervals,
        thinRegions: r.thin,
        seconds: Number(r.seconds.toFixed(4)),
        threshold: r.threshold,
        ...(r.verify ? { verify: r.verify } : {}),
      }) + "\n",
    );
    return;
  }
  const lines = [
    `model          ${modelPath}`,
    `domain         ${describeBox(box)}`,
    `method         intervals (every unit's breakpoints along the line, layer by layer, no LPs${note ? `; ${note}` : ""})`,
    `regions        ${formatCount(r.regions)}${r.thin ? `  (+ ${r.thin} thinner than the threshold ${r.threshold}, not counted)` : ""}`,
    `stable units   ${stable} (${sum(r.stableActive)} always active, ${sum(r.stableInactive)} always inactive; exact, no breakpoint in the box)`,
    `breakpoints    ${formatCount(r.breakpoints)} in the box, ${formatCount(r.intervals)} intervals`,
    `seconds        ${r.seconds.toFixed(3)}`,
  ];
  if (r.verify) lines.push(...verifyLines(r.verify));
  process.stdout.write(lines.join("\n") + "\n");
}
