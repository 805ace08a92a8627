/**
 * Files a model names beside itself (TF.js weight shards, ONNX external data), read without leaving the model's
 * folder. Node only. A path a model file gives is untrusted: it must be relative, have no `..` segment, resolve
 * (symbolic links followed) to a regular file inside the folder, and is read only up to the number of bytes the
 * caller expects, so a named `/dev/zero`, FIFO or huge file cannot grow memory or block. One implementation, synchronous:
 * the reads are bounded by what the caller expects and never wait on a FIFO, and ONNX external data is read from
 * a synchronous parser; asynchronous callers (TF.js shards) call it as it is.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { isAbsolute, posix, relative as relativePath, resolve, sep, win32 } from "node:path";

/** Why a contained path was refused or could not be read: one short phrase, e.g. "leaves the model's folder". */
export class ContainedFileError extends Error {
  override name = "ContainedFileError";
  /** True when the file does not exist (callers may report a missing file in their own words). */
  readonly missing: boolean;
  constructor(message: string, missing = false) {
    super(message);
    this.missing = missing;
  }
}

/**
 * Resolve `path` (as written in a model file) inside `folder` and return its real absolute path. Refuses, with a
 * {@link ContainedFileError}: an empty path or one with a NUL byte, an absolute path (POSIX or Windows, drive or
 * UNC), any `..` segment, and a path that leaves the folder once symbolic links are resolved; a missing file is
 * "no such file".
 */
export function resolveContained(folder: string, path: string): string {
  checkRelativePath(path);
  let base: string, real: string;
  try {
    base = realpathSync(folder);
    real = realpathSync(resolve(base, path));
  } catch (err) {
    throw new ContainedFileError(reasonOf(err), (err as { code?: string }).code === "ENOENT");
  }
  return checkInside(base, real);
}

/** The checks on the path as written: not empty, no NUL byte, not absolute (POSIX or Windows), no `..` segment. */
function checkRelativePath(path: string): void {
  if (path === "" || path.includes("\0")) throw new ContainedFileError("is not a usable file name");
  if (isAbsolute(path) || posix.isAbsolute(path) || win32.isAbsolute(path) || /^[A-Za-z]:/.test(path)) {
    throw new ContainedFileError("is an absolute path; files a model names must be relative to the model's folder");
  }
  if (path.split(/[\\/]/).includes("..")) throw new ContainedFileError('has a ".." segment; files a model names must lie inside the model\'s folder');
}

/** `real` (links resolved) must lie strictly inside `base`; returns it. */
function checkInside(base: string, real: string): string {
  const rel = relativePath(base, real);
  if (rel === "") throw new ContainedFileError("is the model's folder itself, not a file");
  if (rel.startsWith(".." + sep) || rel === ".." || isAbsolute(rel)) {
    throw new ContainedFileError("leaves the model's folder (through a symbolic link)");
  }
  return real;
}

/** A contained file's bytes as read by {@link readContained}, and its whole size. */
export interface ContainedRead {
  /** The bytes from `offset`: `length` of them, or fewer when the file ends first. */
  bytes: Uint8Array;
  /** The file's size in bytes. */
  size: number;
}

/**
 * Read at most `length` bytes at `offset` of the regular file `path` names inside `folder` (see
 * {@link resolveContained}). Opens without following a final symbolic link and without blocking on a FIFO, checks
 * the opened file is regular, and allocates at most min(`length`, size − `offset`) bytes. `length` undefined: the
 * caller only wants the size (no bytes are read). Throws {@link ContainedFileError}.
 */
export function readContained(folder: string, path: string, offset = 0, length?: number): ContainedRead {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ContainedFileError(`has a bad offset ${offset}`);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) throw new ContainedFileError(`has a bad length ${length}`);
  const real = resolveContained(folder, path);
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new ContainedFileError(reasonOf(err));
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new ContainedFileError("is not a regular file");
    const size = info.size;
    const want = length === undefined ? 0 : Math.max(0, Math.min(length, size - offset));
    const bytes = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const bytesRead = readSync(fd, bytes, got, want - got, offset + got);
      if (bytesRead === 0) break; // shrank while we read
      got += bytesRead;
    }
    return { bytes: got === want ? bytes : bytes.subarray(0, got), size };
  } catch (err) {
    throw err instanceof ContainedFileError ? err : new ContainedFileError(reasonOf(err));
  } finally {
    closeSync(fd);
  }
}

/** A file-system error as a short phrase. */
export function reasonOf(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case "ENOENT": return "no such file";
    case "EACCES":
    case "EPERM": return "permission denied";
    case "EISDIR": return "is a directory, not a file";
    case "ENOTDIR": return "a parent of the path is not a directory";
    case "ELOOP": return "is a symbolic link loop";
    default: return `cannot read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}
