/** The shared fixtures (../shared/fixtures relative to the repo root) and their expected values. */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const fixturesDir = resolve(repoRoot, "../shared/fixtures");

export interface ExpectedSample {
  x: number[];
  y: number[];
  pattern: string;
}
export interface Expected {
  input_dim: number;
  widths: number[];
  box: [number, number];
  samples: ExpectedSample[];
  /** Full-dimensional regions in the box, from an independent implementation (where computed). */
  regions?: number;
}

/** Fixture names (without extension) that have an .onnx file. */
export function fixtureNames(): string[] {
  return readdirSync(fixturesDir).filter((f) => f.endsWith(".onnx")).map((f) => f.slice(0, -5)).sort();
}

export function fixturePath(name: string): string {
  return join(fixturesDir, `${name}.onnx`);
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

export function expectedOf(name: string): Expected {
  return JSON.parse(readFileSync(join(fixturesDir, `${name}.expected.json`), "utf8")) as Expected;
}

/** Relative closeness used against numpy's float64 outputs: |a − b| ≤ tol · max(1, |b|). */
export function closeRelative(a: number, b: number, tol = 1e-9): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}
