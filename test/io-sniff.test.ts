import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadModel } from "../src/io/load.ts";
import { isModelName, isTableName, looksLikeJson, sniffModel } from "../src/io/sniff.ts";
import { stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { readFiles } from "../web/src/files.ts";
import { fixturePath } from "./helpers/fixtures.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const onnx = new Uint8Array(readFileSync(fixturePath("random-2-8-8-s1")));

describe("the format sniffer (one set of rules for the CLI and the explorer)", () => {
  it("names: .csv and .txt are tables, .onnx and .json models", () => {
    assert.deepEqual(["a.csv", "B.TXT", "m.onnx", "m.JSON", "x.bin"].map((n) => [isTableName(n), isModelName(n)]), [[true, false], [true, false], [false, true], [false, true], [false, false]]);
  });

  it("content starting with { (after white space and a BOM) is JSON, whatever the name; ONNX bytes never look like JSON", () => {
    assert.ok(looksLikeJson(enc("\ufeff \n {")));
    assert.ok(!looksLikeJson(onnx));
    assert.ok(!looksLikeJson(new Uint8Array(0)));
  });

  it("JSON by its keys: modelTopology → tfjs, format tessera → tessera-json, otherwise one line naming the file", () => {
    assert.equal(sniffModel("net.onnx", enc('{"format": "tessera"}')).format, "tessera-json");
    assert.equal(sniffModel("model", enc(' {"modelTopology": {}}')).format, "tfjs");
    assert.throws(() => sniffModel("x.json", enc('{"a": 1}')), /^ModelError: x\.json: unknown JSON model/);
    assert.throws(() => sniffModel("x.json", onnx), /^ModelError: x\.json: not valid JSON/);
    assert.deepEqual(sniffModel("m.onnx", onnx), { format: "onnx", byName: true });
    assert.deepEqual(sniffModel("m.bin", onnx), { format: "onnx", byName: false });
  });

  it("loadModel (tessera/node) and the explorer's readFiles name the same format for the same file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-sniff-"));
    const fromOnnx = (await loadModel(fixturePath("random-2-8-8-s1"))).network;
    const files: [string, Uint8Array][] = [
      ["a.onnx", onnx],
      ["served.onnx", enc(stringifyTesseraJson(fromOnnx))],
      ["b.json", enc(stringifyTesseraJson(fromOnnx))],
    ];
    for (const [name, bytes] of files) {
      writeFileSync(join(dir, name), bytes);
      const cli = await loadModel(join(dir, name));
      const web = readFiles([{ name, bytes }], { seed: 1, testFraction: 0.5 });
      assert.equal(web.kind === "model" && web.format, cli.format, name);
    }
  });
});
