import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadModel, saveModel, saveTfjs } from "../src/io/load.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { parseTesseraJson, stringifyTesseraJson, toTesseraJson } from "../src/io/tessera-json.ts";
import { evaluate, forward, patternToString } from "../src/model/evaluate.ts";
import type { Network } from "../src/model/network.ts";
import { uniformBox } from "../src/model/network.ts";
import { expectedOf, fixtureBytes, fixtureNames, fixturePath } from "./helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-json-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A maxout net: unit 0 = max(x₁, x₂), unit 1 = max(x₁ + x₂, 1 − x₁ − x₂); y = u₀ + u₁ + 0.5. */
const maxoutNet: Network = {
  inputDim: 2,
  layers: [
    { inDim: 2, outDim: 4, weights: Float64Array.from([1, 0, 0, 1, 1, 1, -1, -1]), bias: Float64Array.from([0, 0, 0, 1]), activation: { kind: "maxout", rank: 2 } },
    { inDim: 2, outDim: 1, weights: Float64Array.from([1, 1]), bias: Float64Array.from([0.5]), activation: { kind: "identity" } },
  ],
};

describe("Tessera JSON", () => {
  for (const name of fixtureNames()) {
    it(`${name}: stringify → parse gives bit-identical weights, outputs and patterns`, () => {
      const net = parseOnnx(fixtureBytes(name), name);
      const back = parseTesseraJson(JSON.parse(stringifyTesseraJson(net)), "m.json");
      assert.deepEqual(back.network, net);
      assert.equal(back.domain, undefined);
      for (const s of expectedOf(name).samples) assert.deepEqual(evaluate(back.network, s.x), evaluate(net, s.x));
    });
  }

  it("maxout round-trips, with hand-checked values: f(1, 2) = 2 + 3 + 0.5 and pattern 10", () => {
    const back = parseTesseraJson(JSON.parse(stringifyTesseraJson(maxoutNet)), "m.json").network;
    assert.deepEqual(back, maxoutNet);
    const { output, pattern } = evaluate(back, [1, 2]);
    assert.equal(output[0], 5.5);
    assert.equal(patternToString(pattern), "10");
  });

  it("flat weights with shape mean the same as rows", () => {
    const doc = toTesseraJson(maxoutNet);
    const flat = { ...doc, layers: doc.layers.map((l) => ({ ...l, weights: (l.weights as number[][]).flat(), shape: [(l.weights as number[][]).length, (l.weights as number[][])[0].length] })) };
    assert.deepEqual(parseTesseraJson(flat, "flat.json").network, maxoutNet);
  });

  it("a uniform domain is written as scalars, a non-uniform one as arrays; both come back", () => {
    const uniform = uniformBox(2, -1, 1);
    assert.deepEqual(toTesseraJson(maxoutNet, uniform).domain, { lo: -1, hi: 1 });
    assert.deepEqual(parseTesseraJson(toTesseraJson(maxoutNet, uniform), "d.json").domain, uniform);
    const box = { lo: Float64Array.from([0, -2]), hi: Float64Array.from([1, 3]) };
    assert.deepEqual(toTesseraJson(maxoutNet, box).domain, { lo: [0, -2], hi: [1, 3] });
    assert.deepEqual(parseTesseraJson(toTesseraJson(maxoutNet, box), "d.json").domain, box);
  });

  it("saveTfjs refuses maxout with one line naming the output file", async () => {
    const out = join(dir, "maxout-tf");
    await assert.rejects(saveTfjs(maxoutNet, out), (err: Error) => err.message.startsWith(`${join(out, "model.json")}: cannot write as TF.js: layer 0: maxout(2)`));
  });

  it("saveModel → loadModel keeps network and domain, and detects the format", async () => {
    const path = join(dir, "maxout.json");
    const box = uniformBox(2, -1, 1);
    await saveModel(maxoutNet, path, box);
    const loaded = await loadModel(path);
    assert.equal(loaded.format, "tessera-json");
    assert.deepEqual(loaded.network, maxoutNet);
    assert.deepEqual(loaded.domain, box);
  });

  it("loadModel reads ONNX, TF.js (directory and model.json) and Tessera JSON of one fixture identically", async () => {
    const name = "random-2-8-8-s1";
    const onnx = await loadModel(fixturePath(name));
    assert.equal(onnx.format, "onnx");
    const tfDir = join(dir, "tf");
    await saveTfjs(onnx.network, tfDir);
    await saveTfjs(onnx.network, join(dir, "other.json"));
    await saveModel(onnx.network, join(dir, "net.json"));
    for (const path of [tfDir, join(tfDir, "model.json"), join(dir, "other.json"), join(dir, "net.json")]) {
      const loaded = await loadModel(path);
      assert.equal(loaded.format, path.endsWith("net.json") ? "tessera-json" : "tfjs");
      for (const s of expectedOf(name).samples) assert.deepEqual(forward(loaded.network, s.x), forward(onnx.network, s.x));
    }
  });
});
