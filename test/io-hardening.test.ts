/**
 * Hostile model files (issue #29, items 2 and 7), each with the probe: TF.js weight paths that leave the
 * model's folder or name a device, FIFO or oversized file; a tiny ONNX declaring a 60,000-wide layer; deep nesting
 * in a JSON model's metadata. Each must give one line naming the file and the problem, exit 2, and read nothing
 * outside the folder.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ContainedFileError, readContained, resolveContained } from "../src/io/contained-file.ts";
import { MAX_JSON_DEPTH, jsonDepth } from "../src/io/json-depth.ts";
import { MAX_LAYER_ENTRIES } from "../src/io/limits.ts";
import { loadModel, saveModel } from "../src/io/load.ts";
import { parseTesseraJson, stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { toTfjs } from "../src/io/tfjs.ts";
import { uniformBox } from "../src/model/network.ts";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { randomNet } from "./helpers/nets.ts";
import { writeOnnx } from "./helpers/onnx-writer.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-hardening-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A TF.js model.json whose one weight group names `paths` and declares `bytes` bytes of float32 (a 2-1 Dense). */
function tfjsModel(folder: string, paths: string[]): string {
  mkdirSync(folder, { recursive: true });
  const { modelJson } = toTfjs(randomNet(1, 2, [], 1));
  (modelJson.weightsManifest as { paths: string[] }[])[0].paths = paths;
  const file = join(folder, "model.json");
  writeFileSync(file, JSON.stringify(modelJson));
  return file;
}
/** The weight bytes of that model: 2 kernel + 1 bias float32 = 12 bytes. */
const WEIGHT_BYTES = 12;

/** Assert a CLI result is one line `tessera: <file>: …` matching `expect`, exit 2, no stack trace. */
function assertOneLine(r: { code: number | null; stdout: string; stderr: string }, file: string, expect: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith(`tessera: ${file}: `), lines[0]);
  assert.match(lines[0], expect);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
}

describe("TF.js weight paths stay inside the model's folder (issue #29 item 2)", () => {
  const secret = join(dir, "secret.bin");
  writeFileSync(secret, new Uint8Array(WEIGHT_BYTES).fill(0x3f)); // a valid weight file, but outside the folder

  it('refuses "../../etc/passwd" (the issue\'s probe) and convert writes nothing', async () => {
    const model = tfjsModel(join(dir, "passwd", "m"), ["../../etc/passwd"]);
    const out = join(dir, "passwd", "out.json");
    const r = await runCli(["convert", model, "--to", "json", "--out", out]);
    assertOneLine(r, model, /weight file "\.\.\/\.\.\/etc\/passwd" has a "\.\." segment/);
    assert.ok(!existsSync(out), "nothing written");
  });

  it("refuses ../ to a readable, well-sized file, absolute paths and /dev/zero (the issue's probe) in one line", async () => {
    const cases: [string, RegExp][] = [
      ["../../secret.bin", /has a "\.\." segment/],
      ["a/../../../secret.bin", /has a "\.\." segment/],
      [secret, /is an absolute path/],
      ["/dev/zero", /is an absolute path/],
      ["C:\\Windows\\win.ini", /is an absolute path/],
      ["..\\secret.bin", /has a "\.\." segment/],
    ];
    for (const [i, [p, expect]] of cases.entries()) {
      const model = tfjsModel(join(dir, `abs${i}`), [p]);
      await assert.rejects(loadModel(model), (e: Error) => e.name === "ModelError" && e.message.startsWith(`${model}: weight file "${p}" `) && expect.test(e.message), p);
    }
  });

  it("refuses a symbolic link leaving the folder, to /dev/zero, a FIFO and a directory; follows a link that stays inside", async () => {
    const folder = join(dir, "links");
    const model = tfjsModel(folder, ["w.bin"]);
    symlinkSync(secret, join(folder, "out.bin"));
    symlinkSync("/dev/zero", join(folder, "zero.bin"));
    mkdirSync(join(folder, "sub"));
    writeFileSync(join(folder, "sub", "real.bin"), new Uint8Array(WEIGHT_BYTES));
    symlinkSync(join(folder, "sub", "real.bin"), join(folder, "inside.bin"));
    const fifo = spawnSync("mkfifo", [join(folder, "fifo.bin")]).status === 0;
    const cases: [string, RegExp][] = [
      ["out.bin", /leaves the model's folder/],
      ["zero.bin", /leaves the model's folder/],
      ["sub", /not a regular file/],
      ["sub/real.bin", /^$/],
      ["inside.bin", /^$/],
      ...(fifo ? ([["fifo.bin", /not a regular file/]] as [string, RegExp][]) : []),
    ];
    for (const [p, expect] of cases) {
      tfjsModel(folder, [p]);
      if (expect.source === "^$") {
        const loaded = await loadModel(model);
        assert.equal(loaded.network.inputDim, 2, p);
      } else {
        await assert.rejects(loadModel(model), (e: Error) => e.name === "ModelError" && e.message.startsWith(`${model}: weight file "${p}" `) && expect.test(e.message), p);
      }
    }
  });

  it("reads a weight file only up to the bytes the manifest declares: a 16 GB sparse file is refused at once by its size", async () => {
    const folder = join(dir, "huge");
    const model = tfjsModel(folder, ["w.bin"]);
    const fd = openSync(join(folder, "w.bin"), "w");
    ftruncateSync(fd, 16 * 2 ** 30);
    closeSync(fd);
    const before = process.memoryUsage().rss;
    await assert.rejects(loadModel(model), new RegExp(`^ModelError: ${model.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: weight file "w\\.bin" holds 17179869184 bytes, more than the ${WEIGHT_BYTES} its weight group 0 declares in all$`));
    assert.ok(process.memoryUsage().rss - before < 64 * 2 ** 20, "no more than a few MB read");
  });

  it("a manifest declaring a weight beyond the layer limit is refused before any file is read", async () => {
    const model = tfjsModel(join(dir, "declared"), ["w.bin"]);
    const json = JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(model, "utf8")));
    json.weightsManifest[0].weights[0].shape = [60000, 60000];
    writeFileSync(model, JSON.stringify(json));
    await assert.rejects(loadModel(model), /has 60000 × 60000 = 3,600,000,000 entries, more than the 134,217,728/);
  });

  it("the helper reads at an offset, at most the length asked, and reports the size", async () => {
    const folder = join(dir, "helper");
    mkdirSync(folder);
    writeFileSync(join(folder, "d.bin"), Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const r = readContained(folder, "d.bin", 3, 4);
    assert.deepEqual([...r.bytes], [3, 4, 5, 6]);
    assert.equal(r.size, 10);
    assert.deepEqual([...readContained(folder, "./d.bin", 8, 100).bytes], [8, 9]);
    assert.equal(readContained(folder, "d.bin").bytes.length, 0, "no length: size only");
    assert.throws(() => readContained(folder, "nope.bin"), (e: Error) => e instanceof ContainedFileError && e.missing && /no such file/.test(e.message));
    assert.throws(() => resolveContained(folder, "."), /the model's folder itself/);
    assert.throws(() => resolveContained(folder, "a\0b"), /not a usable file name/);
    assert.throws(() => readContained(folder, "d.bin", -1, 1), /bad offset/);
  });
});

describe("sizes a tiny file declares (issue #29 item 7)", () => {
  it("a 60,000-wide input with an Add (the issue's 138-byte probe) is refused in one line naming the file and the size", async () => {
    const file = join(dir, "wide.onnx");
    const bytes = writeOnnx({
      inputs: [{ name: "input", dims: [1, 60000] }],
      outputs: [{ name: "output", dims: [1, 60000] }],
      initializers: [{ name: "c", dims: [], values: [1] }],
      nodes: [{ op: "Add", inputs: ["input", "c"], outputs: ["output"] }],
    });
    assert.ok(bytes.length < 200, `${bytes.length} bytes`);
    writeFileSync(file, bytes);
    for (const r of await runCliAll(["info", "count", "bounds"].map((cmd) => [cmd, file]), 3)) {
      assertOneLine(r, file, /60000 × 60000 = 3,600,000,000 entries, more than the 134,217,728 Tessera holds in one layer/);
    }
  });

  it("a 60,000 × 60,000 initializer without its data is refused by size, before anything is allocated", async () => {
    const file = join(dir, "wide-matmul.onnx");
    writeFileSync(file, writeOnnx({
      inputs: [{ name: "x", dims: [1, 60000] }],
      outputs: [{ name: "y", dims: [1, 60000] }],
      initializers: [{ name: "W", dims: [60000, 60000], values: [] }],
      nodes: [{ op: "MatMul", inputs: ["x", "W"], outputs: ["y"] }],
    }));
    assertOneLine(await runCli(["info", file]), file, /initializer "W" .* has 60000 × 60000 = 3,600,000,000 entries/);
  });

  it("a node name with a newline and an escape sequence stays on one line, escaped (found by the fuzz test)", async () => {
    const file = join(dir, "names.onnx");
    writeFileSync(file, writeOnnx({
      inputs: [{ name: "x", dims: [1, 2] }],
      outputs: [{ name: "y\n\u001b[31mrm -rf", dims: [1, 1] }],
      initializers: [],
      nodes: [{ op: "Relu", name: "n", inputs: ["x"], outputs: ["z"] }],
    }));
    const r = await runCli(["info", file]);
    assertOneLine(r, file, /\\n\\x1b\[31mrm -rf/);
    assert.ok(!r.stderr.includes("\u001b"));
  });

  it(`the layer limit is ${MAX_LAYER_ENTRIES} entries (1 GiB of float64)`, () => {
    assert.equal(MAX_LAYER_ENTRIES * 8, 2 ** 30);
  });
});

describe("deep nesting in a JSON model (issue #29 item 7)", () => {
  /** A valid Tessera JSON model whose metadata nests `depth` arrays. */
  function deepModel(file: string, depth: number): void {
    const text = stringifyTesseraJson(randomNet(3, 2, [4]), uniformBox(2, -1, 1), { note: "x" });
    writeFileSync(file, text.replace('"note": "x"', `"note": ${"[".repeat(depth)}${"]".repeat(depth)}`).replace('"note":"x"', `"note":${"[".repeat(depth)}${"]".repeat(depth)}`));
  }

  it("metadata 200,000 levels deep (the issue's probe) gives one line from info, count, convert and explore, never a stack overflow", async () => {
    const file = join(dir, "deep.json");
    deepModel(file, 200_000);
    const calls = [["info", file], ["count", file], ["convert", file, "--to", "json", "--out", join(dir, "deep-out.json")], ["explore", file, "--no-open", "--port", "0"]];
    for (const r of await runCliAll(calls, 4)) assertOneLine(r, file, /the JSON nests deeper than 100 levels/);
  });

  it("a TF.js model.json nested deeply (in an activation's config) is refused the same way", async () => {
    const model = tfjsModel(join(dir, "deep-tfjs"), ["w.bin"]);
    const text = (await import("node:fs")).readFileSync(model, "utf8");
    writeFileSync(model, text.replace('"activation":"linear"', `"activation":${"[".repeat(50_000)}${"]".repeat(50_000)}`));
    await assert.rejects(loadModel(model), /the JSON nests deeper than 100 levels/);
  });

  it(`nesting up to ${MAX_JSON_DEPTH} levels is read, and metadata round-trips`, async () => {
    const file = join(dir, "ok-depth.json");
    await saveModel(randomNet(3, 2, [4]), file, uniformBox(2, -1, 1), { a: { b: [[1, 2], { c: "d" }] } });
    assert.deepEqual((await loadModel(file)).metadata, { a: { b: [[1, 2], { c: "d" }] } });
    const doc = JSON.parse(stringifyTesseraJson(randomNet(3, 2, [4])));
    let v: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH - 2; i++) v = [v];
    doc.metadata = { v };
    assert.equal(jsonDepth(doc), MAX_JSON_DEPTH);
    assert.deepEqual(parseTesseraJson(doc, "d.json").metadata, { v });
    doc.metadata = { v: [v] };
    assert.throws(() => parseTesseraJson(doc, "d.json"), /^ModelError: d\.json: the JSON nests deeper than 100 levels/);
  });
});
