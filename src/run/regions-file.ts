/** The `--regions OUT.jsonl` file of a count: opened fresh, or truncated to where a checkpoint left it on resume. */
import { closeSync, existsSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { PartitionVerifier, type VerifyReport } from "../count/verify.ts";
import type { LoadedModel } from "../io/load.ts";
import { patternToString, regionForms, type ActivationPattern } from "../model/evaluate.ts";
import type { Box, Network } from "../model/network.ts";
import { UsageError } from "../util/errors.ts";

/** An open regions file and the number of bytes written so far. */
export interface RegionsFile {
  fd: number;
  bytes: number;
}

/**
 * Open `path` for writing regions: emptied for a fresh run; on resume (`resumeBytes` given) kept and truncated to
 * the length the checkpoint recorded, so regions of unfinished work are not written twice.
 */
export function openRegionsFile(path: string, resumeBytes?: number): RegionsFile {
  try {
    if (resumeBytes !== undefined && existsSync(path)) {
      const fd = openSync(path, "r+");
      ftruncateSync(fd, resumeBytes);
      return { fd, bytes: resumeBytes };
    }
    return { fd: openSync(path, "w"), bytes: 0 };
  } catch {
    throw new UsageError(`${path}: cannot write the regions file`);
  }
}

/** Append text at the recorded end of the file. */
export function appendRegions(file: RegionsFile, text: string): void {
  const buf = Buffer.from(text, "utf8");
  writeSync(file.fd, buf, 0, buf.length, file.bytes);
  file.bytes += buf.length;
}

/** Regions written per append by a {@link RegionLineWriter}. */
const REGION_LINES_PER_WRITE = 2048;

/**
 * One JSON line per region for the counters that find regions one at a time in a single thread (skeleton,
 * intervals): `pattern`, `point`, `radius`, any extra fields, and with `affine` the output's affine map on the
 * region (J, c) from {@link regionForms}; lines are appended in batches. `close` flushes and closes the file.
 */
export class RegionLineWriter {
  private readonly file: RegionsFile;
  private lines: string[] = [];
  constructor(path: string, private readonly net: Network, private readonly affine: boolean) {
    this.file = openRegionsFile(path);
  }

  add(pattern: ActivationPattern, point: ArrayLike<number>, radius: number, extra?: Record<string, unknown>): void {
    const record: Record<string, unknown> = { pattern: patternToString(pattern), point: Array.from(point), radius, ...extra };
    if (this.affine) {
      const map = regionForms(this.net, pattern).output;
      const J: number[][] = [];
      for (let i = 0; i < map.rows; i++) J.push(Array.from(map.J.subarray(i * map.cols, (i + 1) * map.cols)));
      record.affine = { J, c: Array.from(map.c) };
    }
    this.lines.push(JSON.stringify(record));
    if (this.lines.length >= REGION_LINES_PER_WRITE) this.flush();
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.file.fd);
    }
  }

  private flush(): void {
    if (this.lines.length) appendRegions(this.file, this.lines.join("\n") + "\n");
    this.lines = [];
  }
}

/** What a single-thread count (skeleton, intervals) is asked to do with its regions, as `tessera count` passes it. */
export interface RegionRunOptions {
  loaded: LoadedModel;
  box: Box;
  threshold: number;
  regionsOut?: string;
  affine?: boolean;
  verify?: boolean;
  verifySamples?: number;
}

/** Called by a counter for each region it finds (extra fields go into the region's JSON line). */
export type RegionOutput = (pattern: ActivationPattern, point: Float64Array, radius: number, extra?: Record<string, unknown>) => void;

/**
 * Run `count` with the regions file and the verifier that `opts` asks for: `onRegion` (undefined when neither is
 * asked) feeds both; the file is closed whatever happens, and the verifier's report comes back beside the result.
 */
export function withRegionOutputs<R>(opts: RegionRunOptions, count: (onRegion: RegionOutput | undefined) => R): { result: R; verify?: VerifyReport } {
  const net = opts.loaded.network;
  const writer = opts.regionsOut ? new RegionLineWriter(opts.regionsOut, net, !!opts.affine) : undefined;
  const verifier = opts.verify ? new PartitionVerifier(net, opts.box, { samples: opts.verifySamples }) : undefined;
  let result: R;
  try {
    result = count(writer || verifier
      ? (pattern, point, radius, extra) => {
          verifier?.add(patternToString(pattern), point, radius);
          writer?.add(pattern, point, radius, extra);
        }
      : undefined);
  } finally {
    writer?.close();
  }
  return { result, ...(verifier ? { verify: verifier.finish() } : {}) };
}
