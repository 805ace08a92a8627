/** The `--regions OUT.jsonl` file of a count: opened fresh, or truncated to where a checkpoint left it on resume. */
import { existsSync, ftruncateSync, openSync, writeSync } from "node:fs";
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
