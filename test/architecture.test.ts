/**
 * The layering of src/ (docs/architecture.md), read from the imports themselves (static `import`/`export … from`
 * and dynamic `import("…")`, test/helpers/import-graph.ts): the CLI is imported by nothing but itself and bin/, no
 * two folders import each other even through others, and the isomorphic core uses no Node built-in.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { folderCycles, folderEdges, importGraph, importsOf, importsOfText, isNodeBuiltin, sourceFiles, type ImportEdge } from "./helpers/import-graph.ts";

/**
 * Folder → folder imports allowed although they close a cycle, each with why. The engine split (#30) moves the
 * engine's HiGHS oracle so that lp/ no longer needs count/; the lead removes the entry when it lands (this test fails
 * while an entry names an import that no longer exists).
 */
const KNOWN_CYCLES: { from: string; to: string; why: string }[] = [];

/**
 * The Node-only parts of src/ (true today; docs/architecture.md): the CLI, `tessera/node` (src/node.ts), the
 * executors that run counts on threads and files (run/), the queue and shards (distributed/), the studies (study/:
 * worker threads and result files), the io files that read files or packages, and training's data files and
 * TensorFlow.js backend. Everything else is the isomorphic core (the public API, `tessera`, and the browser app).
 */
const NODE_ONLY = [
  "src/cli/",
  "src/node.ts",
  "src/run/",
  "src/distributed/",
  "src/study/",
  "src/io/load.ts",
  "src/io/contained-file.ts",
  "src/io/mnist.ts",
  "src/io/mnist-idx.ts",
  "src/io/png.ts",
  "src/train/data.ts",
  "src/train/tensorflow.ts",
];
const nodeOnly = (file: string) => NODE_ONLY.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p));

const edges = importGraph();
const where = (e: ImportEdge) => `${e.from}:${e.line} imports "${e.specifier}"`;

describe("architecture: the imports of src/", () => {
  it("reads a plausible graph (every local import resolves to a file of src/)", () => {
    assert.ok(sourceFiles().length > 100 && edges.length > 500, `${sourceFiles().length} files, ${edges.length} imports`);
    const files = new Set(sourceFiles());
    const dangling = edges.filter((e) => e.to && !files.has(e.to));
    assert.deepEqual(dangling.map(where), []);
  });

  it("nothing outside src/cli/ (and bin/) imports src/cli/", () => {
    const bad = edges.filter((e) => e.to?.startsWith("src/cli/") && !e.from.startsWith("src/cli/"));
    assert.deepEqual(bad.map(where), [], "the CLI parses flags and prints; what runs a count lives in the core or src/run/");
  });

  it("no cycle between folders of src/ (apart from KNOWN_CYCLES, each still present)", () => {
    const graph = folderEdges(edges);
    for (const k of KNOWN_CYCLES) {
      const witness = graph.get(k.from)?.get(k.to);
      assert.ok(witness, `KNOWN_CYCLES lists ${k.from} → ${k.to}, which no import makes any more: remove the entry`);
      const cycles = folderCycles(graph);
      assert.ok(cycles.some((c) => c.includes(k.from) && c.includes(k.to)), `KNOWN_CYCLES lists ${k.from} → ${k.to}, which no longer closes a cycle: remove the entry`);
      graph.get(k.from)!.delete(k.to);
    }
    const cycles = folderCycles(graph);
    const report = cycles.map((c) => {
      const arrows = c.flatMap((a) => c.filter((b) => graph.get(a)?.has(b)).map((b) => `${a} → ${b} (${graph.get(a)!.get(b)})`));
      return `{${c.join(", ")}}: ${arrows.join("; ")}`;
    });
    assert.deepEqual(report, []);
  });

  it("the isomorphic core imports no Node built-in", () => {
    const bad = edges.filter((e) => !nodeOnly(e.from) && isNodeBuiltin(e.specifier));
    assert.deepEqual(bad.map(where), [], `Node APIs belong in ${NODE_ONLY.join(", ")}`);
  });

  it("the public API (src/index.ts) reaches only isomorphic files", () => {
    const byFile = new Map<string, string[]>();
    for (const e of edges) if (e.to) (byFile.get(e.from) ?? byFile.set(e.from, []).get(e.from)!).push(e.to);
    const seen = new Set(["src/index.ts"]);
    const todo = ["src/index.ts"];
    while (todo.length) for (const t of byFile.get(todo.pop()!) ?? []) if (!seen.has(t)) (seen.add(t), todo.push(t));
    assert.deepEqual([...seen].filter(nodeOnly).sort(), []);
  });

  it("the reader finds every kind of import, and none inside comments or strings", () => {
    // This test file itself: static imports and the specifiers quoted in its comments and strings.
    const own = importsOf("test/architecture.test.ts").map((e) => e.specifier);
    assert.deepEqual(own, ["node:assert/strict", "node:test", "./helpers/import-graph.ts"]);
    const helper = importsOf("test/helpers/import-graph.ts").map((e) => e.specifier);
    assert.deepEqual(helper, ["node:fs", "node:module", "node:path", "./fixtures.ts"]);
    // A dynamic import is an edge too (src/cli/commands/count.ts loads the queue only when asked).
    assert.ok(edges.some((e) => e.from === "src/cli/commands/count.ts" && e.specifier === "../../distributed/run-queue-count.ts"));
  });

  it("the reader: static, re-export, side-effect, type and dynamic imports; not specifiers in comments, strings or regexes", () => {
    const text = [
      'import { a } from "../model/network.ts";',
      'import type { B } from "../count/types.ts";',
      'export * from "./sibling.ts";',
      'import "./side-effect.ts";',
      'const url = "redis://host/0"; // import x from "../commented.ts"',
      '/* import y from "../block-commented.ts" */',
      'const re = /["\']/g, s = \'from "../in-a-string.ts"\';',
      "const m = await import(\n  \"../distributed/late.ts\"\n);",
    ].join("\n");
    const got = importsOfText("src/cli/x.ts", text).map((e) => `${e.line} ${e.to}`);
    assert.deepEqual(got, ["1 src/model/network.ts", "2 src/count/types.ts", "3 src/cli/sibling.ts", "4 src/cli/side-effect.ts", "9 src/distributed/late.ts"]);
  });

  it("the cycle finder: a → b → c → a is one cycle, a DAG none, and an arrow's witness is its first import", () => {
    const e = (from: string, to: string, line = 1): ImportEdge => ({ from: `src/${from}/f.ts`, line, specifier: "", to: `src/${to}/g.ts` });
    const cyclic = folderEdges([e("a", "b"), e("b", "c"), e("c", "a", 7), e("c", "a", 9), e("c", "d")]);
    assert.deepEqual(folderCycles(cyclic), [["a", "b", "c"]]);
    assert.equal(cyclic.get("c")!.get("a"), "src/c/f.ts:7");
    assert.deepEqual(folderCycles(folderEdges([e("a", "b"), e("b", "c"), e("a", "c")])), []);
  });
});
