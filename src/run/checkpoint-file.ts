/** The checkpoint file of a count on disk: read and checked (src/count/checkpoint.ts), written atomically. Node-only. */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseCheckpoint, type Checkpoint } from "../count/checkpoint.ts";

/** Read and type-check a checkpoint file; throws a UsageError naming the file and the first problem. */
export function readCheckpoint(path: string): Checkpoint {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    json = undefined;
  }
  return parseCheckpoint(path, json);
}

/** Write a sealed checkpoint to `path` through a temporary file and a rename, so a reader never sees half a file. */
export function writeCheckpointFile(path: string, cp: Checkpoint): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(cp));
  renameSync(tmp, path);
}
