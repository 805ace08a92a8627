/** The `--regions OUT.jsonl` file of a count: opened fresh, or truncated to where a checkpoint left it on resume. */
import { closeSync, existsSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { patternToString, regionForms, type ActivationPattern } from "../model/evaluate.ts";
import type { Network } from "../model/network.ts";
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
