/**
 * The import graph of `src/`, read from the sources: static `import … from`, `export … from`, side-effect `import "…"`
 * and dynamic `import("…")` with a literal specifier. Used by test/architecture.test.ts (layering rules) and by
 * `node --import tsx test/helpers/import-graph.ts` (the figures of docs/architecture.md).
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, normalize, relative } from "node:path";
import { repoRoot } from "./fixtures.ts";

/** One import: the importing file, its line, the specifier, and the imported file (repo-relative) when local. */
export interface ImportEdge {
  from: string;
  line: number;
  specifier: string;
  to?: string;
}

const SOURCE = /\.(ts|mjs)$/;
// `from "x"` (import/export … from), bare `import "x"`, and `import("x")`; comments are stripped first.
const SPECIFIERS = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(["'])([^"'\n]+)\1/gm;

/** Every source file under `dir` (repo-relative, sorted). */
export function sourceFiles(dir = "src"): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => relative(repoRoot, join(e.parentPath, e.name)))
    .sort();
}

/**
 * Blank out comments (keeping newlines, so line numbers hold), skipping over strings, template literals and regular
 * expression literals so that `//` or a quote inside them is not taken for a comment or an import.
 */
function stripComments(text: string): { text: string; literal: Uint8Array } {
  const out = text.split("");
  const literal = new Uint8Array(text.length); // 1 inside a string, template or regex literal
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  let i = 0;
  let prev = ""; // last significant character, to tell a regex literal from a division
  while (i < text.length) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      blank(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      blank(i, end < 0 ? text.length : end + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      literal.fill(1, i, j + 1);
      i = j + 1;
      prev = c;
    } else if (c === "/" && (prev === "" || "(,=:[!&|?{};+-*%<>~^".includes(prev))) {
      let j = i + 1, inClass = false;
      while (j < text.length && text[j] !== "\n" && (inClass || text[j] !== "/")) {
        if (text[j] === "\\") j++;
        else if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        j++;
      }
      literal.fill(1, i, j + 1);
      i = j + 1;
      prev = "/";
    } else {
      if (!/\s/.test(c)) prev = c;
      i++;
    }
  }
  return { text: out.join(""), literal };
}

/** The imports of one file. */
export function importsOf(file: string): ImportEdge[] {
  return importsOfText(file, readFileSync(join(repoRoot, file), "utf8"));
}

/** The imports in `source`, the text of `file` (repo-relative, for resolving relative specifiers). */
export function importsOfText(file: string, source: string): ImportEdge[] {
  const { text, literal } = stripComments(source);
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(SPECIFIERS)) {
    if (literal[m.index + m[0].search(/from|import/)]) continue; // the keyword is inside a string: not an import
    const specifier = m[2];
    const at = m.index + m[0].lastIndexOf(m[1] + specifier); // the specifier's position: its line is the import's
    const line = text.slice(0, at).split("\n").length;
    const to = specifier.startsWith(".") ? normalize(join(dirname(file), specifier)) : undefined;
    edges.push({ from: file, line, specifier, ...(to ? { to } : {}) });
  }
  return edges;
}

/** Every import of every source file under `src/`. */
export function importGraph(): ImportEdge[] {
  return sourceFiles("src").flatMap(importsOf);
}

/** Whether a specifier names a Node built-in (`node:fs`, `fs`, `fs/promises`, `worker_threads`, …). */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]) || builtinModules.includes(specifier);
}

/**
 * The folder of `src/` a file belongs to: `src/count/engine.ts` → `count`; top-level files are their own room
 * (`src/node.ts` → `node.ts`, `src/index.ts` → `index.ts`).
 */
export function folderOf(file: string): string {
  const rel = relative("src", file);
  return rel.split("/")[0];
}

/** Folder → folder edges with one witness import (file:line) each. */
export function folderEdges(edges: ImportEdge[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const e of edges) {
    if (!e.to || !e.to.startsWith("src/")) continue;
    const a = folderOf(e.from), b = folderOf(e.to);
    if (a === b) continue;
    if (!out.has(a)) out.set(a, new Map());
    const m = out.get(a)!;
    if (!m.has(b)) m.set(b, `${e.from}:${e.line}`);
  }
  return out;
}

/** Strongly connected components with more than one folder (Tarjan), each sorted, the list sorted. */
export function folderCycles(graph: Map<string, Map<string, string>>): string[][] {
  const nodes = new Set<string>();
  for (const [a, m] of graph) {
    nodes.add(a);
    for (const b of m.keys()) nodes.add(b);
  }
  let counter = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return out.sort((x, y) => x.join().localeCompare(y.join()));
}

/** Files reached from `start` by local imports (static and dynamic), `start` included. */
export function reachable(start: string, edges: ImportEdge[]): Set<string> {
  const byFile = new Map<string, string[]>();
  for (const e of edges) if (e.to) (byFile.get(e.from) ?? byFile.set(e.from, []).get(e.from)!).push(e.to);
  const seen = new Set<string>([start]);
  const todo = [start];
  while (todo.length) for (const t of byFile.get(todo.pop()!) ?? []) if (!seen.has(t)) (seen.add(t), todo.push(t));
  return seen;
}

// Figures: `node --import tsx test/helpers/import-graph.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const edges = importGraph();
  const graph = folderEdges(edges);
  const cycles = folderCycles(graph);
  const fromNode = [...reachable("src/node.ts", edges)].filter((f) => f.startsWith("src/cli/")).sort();
  const cliOutside = edges.filter((e) => e.to?.startsWith("src/cli/") && !e.from.startsWith("src/cli/"));
  console.log(`files ${sourceFiles().length}, imports ${edges.length}, folder edges ${[...graph.values()].reduce((s, m) => s + m.size, 0)}`);
  console.log(`folder cycles ${cycles.length}: ${cycles.map((c) => `{${c.join(", ")}}`).join(" ")}`);
  console.log(`CLI files reached from src/node.ts: ${fromNode.length}${fromNode.length ? ` (${fromNode.join(", ")})` : ""}`);
  console.log(`imports of src/cli/ from outside it: ${cliOutside.length}`);
}
