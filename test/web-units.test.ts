/**
 * The explorer's browser-free parts, checked in Node: the packed partition the page draws and hovers, the pan/zoom
 * preview matrix, chart thinning, the files the page accepts, and the TF.js trainer of the training worker (seeded
 * reproducibility, and that the network it exports computes what TF.js trained).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { planarDataset } from "../src/data/planar.ts";
import { isRegression, regressionDataset, regressionTarget } from "../src/data/regression.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { toTfjs } from "../src/io/tfjs.ts";
import { affineMapOf, evaluate, forward, patternToString } from "../src/model/evaluate.ts";
import { isInputError, readFiles } from "../web/src/files.ts";
import { packPartition, polygonAt } from "../web/src/partition/packed.ts";
import { configOf, initialNetwork, MlpTrainer, shuffleSeed, untrainableReason, type TrainConfig, type TrainData } from "../web/src/train/mlp.ts";
import { History, thinned } from "../web/src/view/charts.ts";
import { inspectRegion } from "../web/src/view/inspect.ts";
import { PolygonIndex } from "../web/src/view/polygon-index.ts";
import { RegionMaps } from "../web/src/view/region-map.ts";
import { mulberry32 } from "../src/util/random.ts";
import { unitOutputForms, valueColour } from "../web/src/view/unit-output.ts";
import { niceTicks, previewMatrix, toPixels, viewLayout } from "../web/src/view/layout.ts";
import { parseView, parseWidths, readQuery, settingsQuery } from "../web/src/settings.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";

const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
const bytes = (text: string) => new TextEncoder().encode(text);

describe("packed partition", () => {
  const net = parseOnnx(new Uint8Array(readFileSync(fixturePath("random-2-32-32-s5"))), "random-2-32-32-s5");
  const packed = packPartition(net, square);
  const partition = planarPartition(net, square);

  it("holds the fixture's region count, and its polygons tile the square", () => {
    assert.equal(packed.regions, expectedOf("random-2-32-32-s5").regions);
    let area = 0;
    for (let k = 0; k + 1 < packed.polyStart.length; k++) {
      const from = packed.polyStart[k], to = packed.polyStart[k + 1];
      for (let i = from; i < to; i++) {
        const j = i + 1 < to ? i + 1 : from;
        area += (packed.coords[2 * i] * packed.coords[2 * j + 1] - packed.coords[2 * j] * packed.coords[2 * i + 1]) / 2;
      }
    }
    assert.ok(Math.abs(area - 4) < 1e-9, `area ${area}`);
  });

  it("point location finds each region from its interior point, whose pattern is the region's", () => {
    // The packed polygons come in the order of the method packPartition uses (the skeleton's cells), not
    // planarPartition's: each region is found by its interior point, once.
    const found = new Set<number>();
    partition.regions.forEach((region, j) => {
      if (j % 7) return;
      const [x, y] = region.point;
      const k = polygonAt(packed, x, y);
      assert.ok(k >= 0 && k < packed.regions && !found.has(k), `region ${j} found as ${k}`);
      found.add(k);
      assert.equal(patternToString(packed.patterns.subarray(k * packed.units, (k + 1) * packed.units)), patternToString(evaluate(net, [x, y]).pattern));
      const out = forward(net, [x, y]);
      for (let r = 0; r < packed.outputs; r++) {
        const f = packed.J[(k * packed.outputs + r) * 2] * x + packed.J[(k * packed.outputs + r) * 2 + 1] * y + packed.c[k * packed.outputs + r];
        assert.ok(Math.abs(f - out[r]) < 1e-9);
      }
    });
    assert.equal(polygonAt(packed, 1.5, 0), -1);
  });

  it("the grid index finds the same polygon as the linear scan, at seeded points, vertices and outside", () => {
    const index = new PolygonIndex(packed), rand = mulberry32(7);
    for (let i = 0; i < 3000; i++) {
      const x = 2.2 * rand() - 1.1, y = 2.2 * rand() - 1.1;
      assert.equal(index.at(x, y), polygonAt(packed, x, y), `(${x}, ${y})`);
    }
    // Points on polygon vertices and edges, where several polygons hold the point and the first one counts.
    for (let v = 0; v < packed.coords.length / 2; v += 5) {
      const x = packed.coords[2 * v], y = packed.coords[2 * v + 1];
      assert.equal(index.at(x, y), polygonAt(packed, x, y), `vertex ${v}`);
    }
    for (const [x, y] of [[-1, -1], [1, 1], [1, -1], [-1, 1], [0, 1], [1.5, 0]]) assert.equal(index.at(x, y), polygonAt(packed, x, y));
  });

  it("the hover's maps are affineMapOf of each polygon's pattern bit for bit (the packed maps agree within 1e-9)", () => {
    const maps = new RegionMaps(net, packed);
    for (let k = 0; k < packed.regions; k += 11) {
      const pattern = packed.patterns.subarray(k * packed.units, (k + 1) * packed.units);
      const exact = affineMapOf(net, pattern), got = maps.mapOf(k);
      assert.deepEqual(got, exact);
      assert.equal(maps.mapOf(k), got, "cached by region");
      for (let r = 0; r < packed.outputs * 2; r++) assert.ok(Math.abs(packed.J[k * packed.outputs * 2 + r] - exact.J[r]) < 1e-9);
    }
  });
});

describe("regression datasets (Playground's plane and multi-Gaussian)", () => {
  it("seeded, split as the planar sets, targets as Playground's at the unscaled points (noise 0), sign labels for drawing", () => {
    for (const kind of ["plane", "multigauss"] as const) {
      const d = regressionDataset(kind, { n: 200, seed: 4, testFraction: 0.25 });
      assert.ok(isRegression(d) && !isRegression(planarDataset("xor")));
      assert.deepEqual(regressionDataset(kind, { n: 200, seed: 4, testFraction: 0.25 }), d);
      assert.equal(d.classes, 1);
      assert.equal(d.train.y.length, 150);
      assert.equal(d.targets.test.length, 50);
      for (const [pts, t] of [[d.train, d.targets.train], [d.test, d.targets.test]] as const) {
        for (let i = 0; i < t.length; i++) {
          // x / 6 · 6 may differ from x in the last bit.
          assert.ok(Math.abs(t[i] - regressionTarget(kind, pts.x[2 * i] * 6, pts.x[2 * i + 1] * 6)) < 1e-14);
          // Playground's plane scale is not clamped: (x + y) / 10 reaches ±1.2 in the corners.
          assert.ok(Math.abs(pts.x[2 * i]) <= 1 && Math.abs(t[i]) <= (kind === "plane" ? 1.2 : 1));
          assert.equal(pts.y[i], t[i] > 0 ? 0 : 1);
        }
      }
    }
    assert.equal(regressionTarget("plane", 10, 0), 1);
    assert.equal(regressionTarget("multigauss", 0, 2.5), -1);
    assert.equal(regressionTarget("multigauss", 4, -1.5), -0.5);
    assert.throws(() => regressionDataset("plane", { n: 1 }), /number of points/);
  });
});

describe("region inspector", () => {
  const net = parseOnnx(new Uint8Array(readFileSync(fixturePath("random-2-8-8-s1"))), "random-2-8-8-s1");
  const packed = packPartition(net, square);

  it("areas add up to the view; across every unit edge the neighbour's pattern differs in exactly that unit", () => {
    let total = 0, unitEdges = 0;
    for (let k = 0; k < packed.regions; k++) {
      const info = inspectRegion(packed, k);
      total += info.area;
      assert.ok(info.area > 0);
      const mine = packed.patterns.subarray(k * packed.units, (k + 1) * packed.units);
      for (const e of info.edges) {
        if (e.unit < 0) {
          assert.equal(e.neighbour, -1);
          continue;
        }
        unitEdges++;
        assert.ok(e.neighbour >= 0 && e.neighbour !== k, `region ${k}: an edge of unit ${e.unit} has no neighbour`);
        const theirs = packed.patterns.subarray(e.neighbour * packed.units, (e.neighbour + 1) * packed.units);
        const differ = [...mine.keys()].filter((i) => mine[i] !== theirs[i]);
        assert.deepEqual(differ, [e.unit], `region ${k} and ${e.neighbour}`);
      }
    }
    assert.equal(packed.slivers, 0);
    assert.ok(Math.abs(total - 4) < 1e-9, `area ${total}`);
    assert.ok(unitEdges > packed.regions, `${unitEdges} unit edges`);
  });
});

describe("a unit's output over the plane", () => {
  it("the per-region affine forms give every unit's output at each region's interior point, as a plain forward pass", () => {
    for (const [net, name] of [[parseOnnx(new Uint8Array(readFileSync(fixturePath("random-2-8-8-s1"))), "s1"), "relu"], [randomNet(5, 2, [6, 5, 4], 3, { kind: "leaky-relu", alpha: 0.1 }), "leaky"]] as const) {
      const packed = packPartition(net, square);
      const partition = planarPartition(net, square);
      for (let unit = 0; unit < packed.units; unit++) {
        const forms = unitOutputForms(net, packed, unit);
        partition.regions.forEach((region, k) => {
          const [x, y] = region.point;
          // The unit's output by a forward pass written out here.
          let h: number[] = [x, y], at = 0, want = NaN;
          for (const layer of net.layers.slice(0, -1)) {
            const g = Array.from({ length: layer.outDim }, (_, r) => layer.bias[r] + h.reduce((s, v, q) => s + layer.weights[r * layer.inDim + q] * v, 0));
            h = g.map((v) => (v > 0 ? v : layer.activation.kind === "leaky-relu" ? layer.activation.alpha * v : 0));
            if (unit >= at && unit < at + layer.outDim) want = h[unit - at];
            at += layer.outDim;
          }
          const at2 = polygonAt(packed, x, y); // the packed index of this region (packed order is the method's)
          const got = forms[3 * at2] * x + forms[3 * at2 + 1] * y + forms[3 * at2 + 2];
          assert.ok(Math.abs(got - want) < 1e-9 * (1 + Math.abs(want)), `${name} unit ${unit} region ${k}: ${got} vs ${want}`);
        });
      }
    }
  });

  it("the colour map is white at 0 and linear on each side", () => {
    assert.equal(valueColour(0), "rgb(255, 255, 255)");
    assert.equal(valueColour(1), "rgb(0, 114, 178)");
    assert.equal(valueColour(-1), "rgb(230, 159, 0)");
    assert.equal(valueColour(0.5), "rgb(128, 185, 217)");
  });
});

describe("settings from the URL", () => {
  it("any value in range is taken (lr=0.05); others are one line naming the setting; the URL writes back", () => {
    const got = readQuery(new URLSearchParams("lr=0.05&widths=16x16&batch=0&view=-2,2,-1,1&dataset=moons"));
    assert.equal(got.values.get("lr"), "0.05");
    assert.equal(got.values.get("widths"), "16,16");
    assert.equal(got.values.has("batch"), false);
    assert.deepEqual(got.view, { umin: -2, umax: 2, vmin: -1, vmax: 1 });
    assert.deepEqual(got.errors, [
      'URL dataset=moons: dataset must be one of circle, xor, gauss, spiral, plane, multigauss, got "moons"',
      'URL batch=0: batch size must be an integer from 1 to 100000, got "0"',
    ]);
    assert.equal(settingsQuery(got.values, got.view, new URLSearchParams("backend=cpu&play=1")), "?widths=16,16&lr=0.05&view=-2,2,-1,1&backend=cpu");
    assert.deepEqual(readQuery(new URLSearchParams("lr=0.00001")).errors, []);
    assert.match(readQuery(new URLSearchParams("lr=11")).errors[0], /^URL lr=11: learning rate must be a number from 0\.00001 to 10/);
    assert.throws(() => parseView("1,0,0,1"), /need umin < umax/);
    assert.throws(() => parseWidths("8, abc"), /^RangeError: hidden widths "8, abc"/);
  });

  it("axis ticks are nice steps inside the range", () => {
    assert.deepEqual(niceTicks(-1, 1, 5), { values: [-1, -0.5, 0, 0.5, 1], decimals: 1 });
    const t = niceTicks(0.1234, 0.1236, 4);
    assert.ok(t.values.length >= 2 && t.values.every((v) => v >= 0.1234 && v <= 0.1236), JSON.stringify(t));
    const labels = t.values.map((v) => v.toFixed(t.decimals));
    assert.equal(new Set(labels).size, labels.length, `labels ${labels}`);
  });
});

describe("view layout", () => {
  it("the preview matrix puts every plane point where the new view draws it", () => {
    const from = { umin: -1, umax: 1, vmin: -1, vmax: 1 }, to = { umin: -0.3, umax: 0.5, vmin: -0.7, vmax: 0.1 };
    const [a, bx, by] = previewMatrix(640, 480, from, to);
    const lf = viewLayout(640, 480, from), lt = viewLayout(640, 480, to);
    for (const [u, v] of [[0, 0], [0.4, -0.2], [-0.9, 0.8]]) {
      const [xf, yf] = toPixels(lf, from, u, v), [xt, yt] = toPixels(lt, to, u, v);
      assert.ok(Math.abs(a * xf + bx - xt) < 1e-9 && Math.abs(a * yf + by - yt) < 1e-9);
    }
    assert.deepEqual(previewMatrix(640, 480, from, from), [1, 0, 0]);
  });
});

describe("charts", () => {
  it("thinning keeps the ends and at most the maximum", () => {
    assert.deepEqual(thinned(5, 10), [0, 1, 2, 3, 4]);
    const t = thinned(1000, 300);
    assert.equal(t.length, 300);
    assert.equal(t[0], 0);
    assert.equal(t[299], 999);
  });

  it("history keeps one loss per epoch and the newest region count of an epoch", () => {
    const h = new History();
    h.addLoss(1, 0.5, 0.6);
    h.addLoss(1, 0.4, 0.5);
    h.addRegions(1, 10);
    h.addRegions(1, 12);
    h.addRegions(0, 3);
    assert.deepEqual([h.lossEpochs, h.trainLoss, h.regionEpochs, h.regions], [[1], [0.5], [1], [12]]);
  });
});

describe("files given to the page", () => {
  const split = { seed: 1, testFraction: 0.25 };

  it("a CSV becomes the dataset; a model file the network", () => {
    const got = readFiles([{ name: "p.csv", bytes: bytes("0,0,a\n1,1,b\n0,1,a\n1,0,b\n") }], split);
    assert.equal(got.kind, "data");
    const net = randomNet(3, 2, [4], 2);
    const model = readFiles([{ name: "m.json", bytes: bytes(stringifyTesseraJson(net)) }], split);
    assert.equal(model.kind === "model" && model.format, "tessera-json");
    assert.deepEqual(model.kind === "model" && model.network, net);
  });

  it("TF.js weights from the dropped files, from an inline weightData, or a one-line message naming the missing file", () => {
    const { modelJson, weightData } = toTfjs(randomNet(4, 2, [3], 2), "w.bin");
    const json = bytes(JSON.stringify(modelJson));
    const dropped = readFiles([{ name: "model.json", bytes: json }, { name: "w.bin", bytes: weightData }], split);
    const inline = readFiles([{ name: "model.json", bytes: bytes(JSON.stringify({ ...modelJson, weightData: Buffer.from(weightData).toString("base64") })) }], split);
    assert.equal(dropped.kind === "model" && dropped.format, "tfjs");
    assert.deepEqual(inline.kind === "model" && inline.network, dropped.kind === "model" && dropped.network);
    assert.throws(() => readFiles([{ name: "model.json", bytes: json }], split), /^ModelError: model\.json: TF\.js weights missing \(w\.bin\): drop model\.json together with its weight files$/);
  });

  it("bad files: one-line input errors naming the file", () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ["bad.json", bytes("{ not json"), /^bad\.json: not valid JSON/],
      ["other.json", bytes('{"a": 1}'), /^other\.json: unknown JSON model/],
      ["x.onnx", new Uint8Array([1, 2, 3]), /^x\.onnx: /],
      ["wide.json", bytes(stringifyTesseraJson(randomNet(5, 3, [2], 2))), /^wide\.json: the explorer draws networks with 2 inputs, this one takes 3/],
      ["notes.md", bytes("hello"), /^notes\.md: expected a model/],
      ["bad.csv", bytes("0,0,a\n1,1\n"), /^bad\.csv: line 2: expected 3 columns/],
    ];
    for (const [name, content, message] of cases) {
      try {
        readFiles([{ name, bytes: content }], split);
        assert.fail(`${name} was accepted`);
      } catch (err) {
        assert.ok(isInputError(err), `${name}: ${err}`);
        assert.match((err as Error).message, message);
        assert.equal((err as Error).message.split("\n").length, 1);
      }
    }
  });
});

describe("the training worker's trainer (TF.js cpu backend)", async () => {
  await tf.setBackend("cpu");
  tf.enableProdMode();
  const d = planarDataset("xor", { n: 120, noise: 0.1, seed: 2 });
  const data: TrainData = {
    trainX: Float32Array.from(d.train.x),
    trainY: Int32Array.from(d.train.y),
    testX: Float32Array.from(d.test.x),
    testY: Int32Array.from(d.test.y),
    classes: 2,
  };
  const config: TrainConfig = { widths: [6, 5], activation: "leaky-relu", alpha: 0.1, learningRate: 0.01, batchSize: 8, seed: 5, optimizer: "adam" };
  const train = (c: TrainConfig, epochs: number) => {
    const t = new MlpTrainer(tf, c, data);
    for (let e = 0; e < epochs; e++) t.trainEpoch();
    const out = { network: t.network(), metrics: t.metrics() };
    t.dispose();
    return out;
  };

  it("one seed gives bit-identical weights; another seed other weights", () => {
    const a = train(config, 3), b = train(config, 3), c = train({ ...config, seed: 6 }, 3);
    assert.deepEqual(a.network, b.network);
    assert.notDeepEqual(a.network.layers[0].weights, c.network.layers[0].weights);
    assert.notEqual(shuffleSeed(5, 0), shuffleSeed(5, 1));
  });

  it("retune: the same tuning changes nothing (bit-identical); a new rate from epoch 2 equals neither run; L2 at rate 0 is no penalty; L2 shrinks the kernels", () => {
    const run = (tune: Partial<TrainConfig> | undefined, c: TrainConfig = config) => {
      const t = new MlpTrainer(tf, c, data);
      t.trainEpoch();
      t.trainEpoch();
      if (tune) t.retune({ learningRate: c.learningRate, batchSize: c.batchSize, optimizer: c.optimizer, ...tune });
      t.trainEpoch();
      const net = t.network();
      t.dispose();
      return net;
    };
    const plain = run(undefined);
    assert.deepEqual(run({}), plain);
    assert.deepEqual(run(undefined, { ...config, regularization: "l2", regularizationRate: 0 }), plain);
    const faster = run({ learningRate: 0.05 });
    assert.notDeepEqual(faster.layers[0].weights, plain.layers[0].weights);
    assert.notDeepEqual(faster.layers[0].weights, run(undefined, { ...config, learningRate: 0.05 }).layers[0].weights);
    const sgd = run({ optimizer: "sgd" });
    assert.notDeepEqual(sgd.layers[0].weights, plain.layers[0].weights);
    const norm = (net: typeof plain) => net.layers.reduce((s, l) => s + l.weights.reduce((a, w) => a + w * w, 0), 0);
    const l2 = (() => {
      const t = new MlpTrainer(tf, { ...config, regularization: "l2", regularizationRate: 0.5 }, data);
      for (let e = 0; e < 8; e++) t.trainEpoch();
      const net = t.network();
      t.dispose();
      return net;
    })();
    assert.ok(norm(l2) < norm(train(config, 8).network), `${norm(l2)} vs ${norm(train(config, 8).network)}`);
  });

  it("the exported network computes TF.js's loss and accuracy (weights transposed, activation kept)", () => {
    const { network, metrics } = train(config, 2);
    let loss = 0, correct = 0;
    const n = data.trainY.length;
    for (let i = 0; i < n; i++) {
      const z = forward(network, [data.trainX[2 * i], data.trainX[2 * i + 1]]);
      const m = Math.max(...z), lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
      loss += lse - z[data.trainY[i]];
      if ((z[1] > z[0] ? 1 : 0) === data.trainY[i]) correct++;
    }
    assert.ok(Math.abs(loss / n - metrics.trainLoss) < 1e-5, `${loss / n} vs ${metrics.trainLoss}`);
    assert.equal(correct, Math.round(metrics.trainAccuracy * n)); // TF.js averages in float32
  });

  it("regression: one output trained with mean squared error; the loss falls and the exported network computes it", () => {
    const r = regressionDataset("plane", { n: 160, noise: 0, seed: 3 });
    const rdata: TrainData = {
      trainX: Float32Array.from(r.train.x), trainY: Int32Array.from(r.train.y), testX: Float32Array.from(r.test.x), testY: Int32Array.from(r.test.y),
      classes: 1, trainT: Float32Array.from(r.targets.train), testT: Float32Array.from(r.targets.test),
    };
    const t = new MlpTrainer(tf, { ...config, activation: "relu" }, rdata);
    const first = t.metrics();
    for (let e = 0; e < 10; e++) t.trainEpoch();
    const m = t.metrics(), network = t.network();
    t.dispose();
    assert.equal(network.layers[network.layers.length - 1].outDim, 1);
    assert.ok(Number.isNaN(m.trainAccuracy) && Number.isNaN(m.testAccuracy));
    assert.ok(m.trainLoss < first.trainLoss / 2, `MSE ${first.trainLoss} → ${m.trainLoss}`);
    let sum = 0;
    for (let i = 0; i < rdata.trainT!.length; i++) sum += (forward(network, [rdata.trainX[2 * i], rdata.trainX[2 * i + 1]])[0] - rdata.trainT![i]) ** 2;
    // TF.js computes the outputs in float32: the two means agree to float32 round-off of values of size ~1.
    assert.ok(Math.abs(sum / rdata.trainT!.length - m.trainLoss) < 1e-5, `${sum / rdata.trainT!.length} vs ${m.trainLoss}`);
    assert.equal(untrainableReason(network, 1), undefined);
  });

  it("initial weights: Glorot-uniform bounds, float32 values, zero biases; trainable networks and reasons", () => {
    const net = initialNetwork(config, 2);
    net.layers.forEach((layer) => {
      const limit = Math.sqrt(6 / (layer.inDim + layer.outDim));
      assert.ok(layer.weights.every((w) => Math.abs(w) <= limit && Math.fround(w) === w));
      assert.ok(layer.bias.every((b) => b === 0));
    });
    assert.equal(untrainableReason(net, 2), undefined);
    assert.deepEqual(configOf(net, { ...config, widths: [1], activation: "relu" }), config);
    assert.match(untrainableReason(net, 3)!, /2 outputs and the data have 3 classes/);
    assert.match(untrainableReason(randomNet(1, 2, [3], 2, { kind: "maxout", rank: 2 }), 2)!, /this one is maxout/);
  });
});
