/**
 * User datasets of 2-D points from CSV text: one `x,y,label` line per point, an optional header line, blank lines and
 * `#` comments skipped. Isomorphic: the caller reads the file (CLI) or gets the text from a file input (browser).
 */
import { checkSplitOptions, DataError, splitPoints, type PointDataset } from "./dataset.ts";
export { DataError } from "./dataset.ts";

/** Options of {@link parseCsvDataset}. */
export interface CsvOptions {
  /** Name of the file, put before every error message ("data.csv: line 3: …"). */
  source?: string;
  /** Share of the points held out for testing, in [0, 1) (default 0.2). */
  testFraction?: number;
  /** Seed of the train/test shuffle (default 1). */
  seed?: number;
}

/** Labels are stored as bytes. */
const MAX_CLASSES = 256;
/** Largest finite float32 (training runs in float32). */
const FLOAT32_MAX = 3.4028234663852886e38;
/** A decimal number as written in CSV files (no hex, no "Infinity", no "NaN"). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** The box is the points' bounding box grown by this share of its side on every side. */
const BOX_MARGIN = 0.05;

/**
 * Parse a CSV of `x,y,label` lines into a {@link PointDataset}. The first line is a header when neither of its first
 * two fields is a number. Labels that are all integers are mapped to 0…K−1 in increasing order (so 0/1 labels keep
 * their meaning, −1/+1 become 0/1); other labels are mapped in order of first appearance. The box is the bounding box
 * of the points grown by 5 % on each side (±1 around a coordinate that does not vary).
 * Every problem throws a {@link DataError} naming the line: wrong column count, a coordinate that is not a finite
 * number, an empty label, an empty file, fewer than 2 classes or more than 256.
 */
export function parseCsvDataset(text: string, options: CsvOptions = {}): PointDataset {
  const testFraction = options.testFraction ?? 0.2, seed = options.seed ?? 1;
  const where = options.source ? `${options.source}: ` : "";
  const fail = (msg: string): never => {
    throw new DataError(where + msg);
  };
  try {
    checkSplitOptions(testFraction, seed);
  } catch (e) {
    fail((e as Error).message);
  }
  const xs: number[] = [], rawLabels: string[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  let seenContent = false;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln].trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(",").map((f) => f.trim());
    const first = !seenContent;
    seenContent = true;
    if (first && fields.length >= 2 && !DECIMAL.test(fields[0]) && !DECIMAL.test(fields[1])) continue; // header
    const at = `line ${ln + 1}: `;
    if (fields.length !== 3) fail(`${at}expected 3 columns (x,y,label), got ${fields.length}`);
    for (const [k, name] of [[0, "x"], [1, "y"]] as const) {
      const f = fields[k];
      if (!DECIMAL.test(f)) fail(`${at}${name} "${f}" is not a finite number`);
      const v = Number(f);
      if (!Number.isFinite(v)) fail(`${at}${name} "${f}" is not a finite number`);
      // Training runs in float32 (TensorFlow.js): a value beyond its range would become Infinity there.
      if (Math.abs(v) > FLOAT32_MAX) fail(`${at}${name} "${f}" is beyond the float32 range training uses (±3.4e38)`);
      xs.push(v);
    }
    const label = fields[2].replace(/^"(.*)"$/, "$1").trim();
    if (label === "") fail(`${at}empty label`);
    rawLabels.push(label);
  }
  if (rawLabels.length === 0) fail("no data lines (expected x,y,label lines)");

  // Class indices: integers in increasing order, otherwise order of first appearance.
  const integers = rawLabels.every((l) => /^[+-]?\d+$/.test(l));
  const labels = integers ? rawLabels.map((l) => BigInt(l).toString()) : rawLabels; // "01", "+1" and "1" are one class
  const distinct = [...new Set(labels)];
  if (distinct.length < 2) fail(`only one class ("${distinct[0]}"): need at least 2`);
  if (distinct.length > MAX_CLASSES) fail(`${distinct.length} classes: at most ${MAX_CLASSES} are supported`);
  const classNames = integers ? distinct.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)) : distinct;
  const index = new Map(classNames.map((l, i) => [l, i]));
  const x = Float64Array.from(xs), y = Uint8Array.from(labels, (l) => index.get(l)!);

  const lo = new Float64Array(2), hi = new Float64Array(2);
  for (let d = 0; d < 2; d++) {
    let a = Infinity, b = -Infinity;
    for (let i = d; i < x.length; i += 2) {
      a = Math.min(a, x[i]);
      b = Math.max(b, x[i]);
    }
    const m = b > a ? (b - a) * BOX_MARGIN : 1;
    lo[d] = a - m;
    hi[d] = b + m;
  }
  const { train, test } = splitPoints(x, y, 2, testFraction, seed);
  return { train, test, classes: classNames.length, classNames, dim: 2, box: { lo, hi } };
}
