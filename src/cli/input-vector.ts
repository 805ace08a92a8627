/** Reading input points given on the command line (`--x 0.1,0.2`) or in a file (`--x-file F`). */
import { readFileSync } from "node:fs";
import { UsageError } from "../util/errors.ts";

/**
 * Parse numbers separated by commas and/or whitespace, or a JSON array of numbers. `what` names the source in
 * errors (e.g. `--x`). Throws {@link UsageError} for anything that is not a finite number.
 */
export function parseNumberList(text: string, what: string): number[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      throw new UsageError(`${what}: not valid JSON (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
    }
    const flat = Array.isArray(json) ? json.flat(Infinity) : [];
    flat.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new UsageError(`${what}: entry ${i} is ${JSON.stringify(v)}, not a finite number`);
    });
    return flat as number[];
  }
  if (trimmed === "") throw new UsageError(`${what}: no numbers given`);
  return trimmed.split(/[\s,]+/).filter((t) => t !== "").map((token, i) => {
    const v = Number(token);
    if (!Number.isFinite(v)) throw new UsageError(`${what}: entry ${i} is "${token}", not a finite number`);
    return v;
  });
}

/** The input point from `--x` or `--x-file` (exactly one of them), checked to have the `dim` coordinates that `model` takes. */
export function readInputPoint(opts: { x?: string; xFile?: string }, dim: number, model: string): Float64Array {
  if (opts.x !== undefined && opts.xFile !== undefined) throw new UsageError("give the input with --x or --x-file, not both");
  let values: number[];
  if (opts.x !== undefined) values = parseNumberList(opts.x, "--x");
  else if (opts.xFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.xFile, "utf8");
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new UsageError(`${opts.xFile}: ${code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(err)})`}`);
    }
    values = parseNumberList(text, opts.xFile);
  } else throw new UsageError("give the input point with --x v1,v2,... or --x-file FILE");
  if (values.length !== dim) {
    const source = opts.x !== undefined ? "--x" : opts.xFile;
    throw new UsageError(`${source}: ${values.length} coordinates given, ${model} takes ${dim}`);
  }
  return Float64Array.from(values);
}
