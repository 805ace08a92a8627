import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadModel } from "../src/io/load.ts";
import { toTfjs } from "../src/io/tfjs.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { ModelError } from "../src/model/validate.ts";
import { mulberry32 } from "../src/util/random.ts";
import { type CliResult, runCliAll } from "./helpers/cli.ts";
import { fixtureBytes } from "./helpers/fixtures.ts";
import { INT64, type GraphSpec, sequentialGraph, writeOnnx } from "./helpers/onnx-writer.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-errors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const good = () => sequentialGraph([{ W: [[1, 2], [3, 4], [5, 6]], b: [0, 0, 0], act: "relu" }, { W: [[1, 1, 1]], b: [0] }]);

function withGraph(edit: (g: GraphSpec) => void): Uint8Array {
  const g = good();
  edit(g);
  return writeOnnx(g);
}

const tfNet = () => parseOnnx(writeOnnx(good()), "good.onnx");

interface Case {
  /** What is wrong, as the test name. */
  what: string;
  file: string;
  /** Writes the file (or directory); absent for the missing-file case. */
  make?: (path: string) => void;
  /** Must appear in the message after "<file>: ". */
  expect: RegExp;
}

const bytes = (b: Uint8Array) => (p: string) => writeFileSync(p, b);
const json = (v: unknown) => (p: string) => writeFileSync(p, JSON.stringify(v));

const cases: Case[] = [
  { what: "truncated ONNX file", file: "truncated.onnx", make: bytes(fixtureBytes("random-2-16-s2").slice(0, 500)), expect: /corrupt or truncated/ },
  {
    what: "random bytes",
    file: "garbage.onnx",
    make: (p) => {
      const rand = mulberry32(7);
      writeFileSync(p, Uint8Array.from({ length: 300 }, () => Math.floor(rand() * 256)));
    },
    expect: /not a valid ONNX file|no graph/,
  },
  { what: "empty file", file: "empty.onnx", make: bytes(new Uint8Array(0)), expect: /the file is empty/ },
  {
    what: "unsupported operator LSTM",
    file: "lstm.onnx",
    make: bytes(withGraph((g) => g.nodes.splice(0, 1, { op: "LSTM", name: "/0/LSTM", inputs: ["x", "0.weight", "0.bias"], outputs: ["/0/Gemm_output_0"] }))),
    expect: /unsupported operator LSTM in node "\/0\/LSTM"/,
  },
  {
    what: "unsupported operator Sigmoid",
    file: "sigmoid.onnx",
    make: bytes(withGraph((g) => (g.nodes[1] = { ...g.nodes[1], op: "Sigmoid", name: "/1/Sigmoid" }))),
    expect: /unsupported operator Sigmoid in node "\/1\/Sigmoid"/,
  },
  { what: "NaN weight", file: "nan.onnx", make: bytes(withGraph((g) => (g.initializers[0].values[3] = NaN))), expect: /initializer "0\.weight".*NaN at index 3/ },
  { what: "infinite weight", file: "inf.onnx", make: bytes(withGraph((g) => (g.initializers[3].values[0] = -Infinity))), expect: /initializer "1\.bias".*-Infinity/ },
  {
    what: "dimension mismatch between consecutive layers",
    file: "mismatch.onnx",
    make: bytes(withGraph((g) => (g.initializers[2] = { name: "1.weight", dims: [1, 4], values: [1, 1, 1, 1] }))),
    expect: /Gemm node "\/1\/Gemm" expects 4 inputs but "\/0\/act_output_0" has 3/,
  },
  { what: "empty graph", file: "empty-graph.onnx", make: bytes(withGraph((g) => (g.nodes = []))), expect: /graph is empty/ },
  { what: "missing initializer", file: "no-init.onnx", make: bytes(withGraph((g) => g.initializers.splice(1, 1))), expect: /missing initializer "0\.bias"/ },
  {
    what: "branching graph",
    file: "branch.onnx",
    make: bytes(
      withGraph((g) => {
        g.nodes.push({ op: "Gemm", name: "/side/Gemm", inputs: ["/0/act_output_0", "1.weight", "1.bias"], outputs: ["side"], attrs: { transB: { i: 1 } } });
      }),
    ),
    expect: /Gemm node "\/side\/Gemm" computes from the input but does not lead to the output "y"/,
  },
  { what: "two inputs", file: "two-inputs.onnx", make: bytes(withGraph((g) => g.inputs.push({ name: "z", dims: ["batch", 2] }))), expect: /the graph has 2 inputs \("x", "z"\); a network takes one/ },
  {
    what: "integer tensor where weights are expected",
    file: "int-weights.onnx",
    make: bytes(withGraph((g) => (g.initializers[0] = { ...g.initializers[0], dataType: INT64 }))),
    expect: /weight "0\.weight" has an integer type, weights must be FLOAT/,
  },
  {
    what: "bad TF.js weightsManifest",
    file: "bad-manifest.json",
    make: json({ ...toTfjs(tfNet()).modelJson, weightsManifest: [{ weights: [] }] }),
    expect: /bad weightsManifest: \[0\]\.paths/,
  },
  {
    what: "short TF.js weight shard",
    file: "short/model.json",
    make: (p) => {
      const { modelJson, weightData } = toTfjs(tfNet());
      writeFileSync(p, JSON.stringify(modelJson));
      writeFileSync(join(p, "../weights.bin"), weightData.slice(0, weightData.length - 4));
    },
    expect: /weight group 0 \(weights\.bin\) is short/,
  },
  { what: "missing TF.js weight file", file: "noshard/model.json", make: json(toTfjs(tfNet()).modelJson), expect: /weight file "weights\.bin" named in weightsManifest is missing/ },
  {
    what: "unsupported TF.js layer",
    file: "lstm.json",
    make: json({ modelTopology: { class_name: "Sequential", config: { layers: [{ class_name: "LSTM", config: { name: "lstm" } }] } }, weightsManifest: [] }),
    expect: /unsupported layer LSTM \("lstm"\)/,
  },
  {
    what: "Tessera JSON that breaks the schema",
    file: "schema.json",
    make: json({ format: "tessera", version: 1, inputDim: 2, layers: [{ weights: [[1, 2]], bias: "zero", activation: { kind: "identity" } }] }),
    expect: /not a valid Tessera JSON model: layers\[0\]\.bias: Invalid input: expected array, received string/,
  },
  {
    what: "maxout rank that does not divide the pre-activations",
    file: "maxout-rank.json",
    make: json({ format: "tessera", version: 1, inputDim: 1, layers: [{ weights: [[1], [2], [3]], bias: [0, 0, 0], activation: { kind: "maxout", rank: 2 } }, { weights: [[1]], bias: [0], activation: { kind: "identity" } }] }),
    expect: /maxout rank 2 does not divide the 3 pre-activations/,
  },
  {
    what: "Tessera JSON layers whose widths do not chain",
    file: "chain.json",
    make: json({ format: "tessera", version: 1, inputDim: 2, layers: [{ weights: [[1, 2]], bias: [0], activation: { kind: "relu" } }, { weights: [[1, 1]], bias: [0], activation: { kind: "identity" } }] }),
    expect: /layer 1: expects 2 inputs but the previous layer gives 1/,
  },
  { what: "invalid JSON", file: "broken.json", make: (p) => writeFileSync(p, '{"format": "tessera",'), expect: /not valid JSON/ },
  { what: "JSON that is no known model", file: "other.json", make: json({ hello: 1 }), expect: /unknown JSON model/ },
  { what: "missing file", file: "does-not-exist.onnx", expect: /no such file/ },
];

describe("malformed models: one line naming the file and the problem", () => {
  let results: CliResult[] = [];
  before(async () => {
    for (const c of cases) {
      const path = join(dir, c.file);
      mkdirSync(join(path, ".."), { recursive: true });
      c.make?.(path);
    }
    results = await runCliAll(cases.map((c) => ["info", join(dir, c.file)]));
  });

  cases.forEach((c, i) => {
    it(`${c.what} (${c.file}): loadModel throws ModelError; the CLI exits 2 with that one line`, async () => {
      const path = join(dir, c.file);
      const err = await loadModel(path).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ModelError, `expected a ModelError, got ${String(err)}`);
      assert.ok(err.message.startsWith(`${path}: `), err.message);
      assert.match(err.message.slice(path.length + 2), c.expect);
      assert.ok(!err.message.includes("\n"));
      const r = results[i];
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, `tessera: ${err.message}\n`);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    });
  });

  it(`covers at least 12 kinds of malformed input (has ${cases.length})`, () => assert.ok(cases.length >= 12));
});
