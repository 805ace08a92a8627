/**
 * The core's input error: bad input or impossible options (a malformed file, a domain or threshold out of range, a
 * checkpoint of another model). Raised by the core and the Node executors with one line naming the file or option;
 * the CLI prints it as `tessera: LINE` and exits with code 2 (src/cli/main.ts maps errors by their `name`).
 */
export class UsageError extends Error {
  override name = "UsageError";
}
