import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "./helpers/fixtures.ts";

/** Specifiers of a module's static imports and re-exports (`import … from`, `export … from`, `import "…"`). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?["']([^"']+)["']/gm)) out.push(m[1]);
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

describe("the public API and the web app's imports", () => {
  it("every module the public index (src/index.ts) reaches by static import uses no Node API (isomorphic)", () => {
    const seen = new Set<string>(), nodeUses: string[] = [];
    const queue = [join(repoRoot, "src/index.ts")];
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (spec.startsWith(".")) queue.push(resolve(dirname(file), spec));
        else if (spec.startsWith("node:") || ["fs", "path", "os", "worker_threads", "child_process", "url"].includes(spec)) nodeUses.push(`${relative(repoRoot, file)} imports ${spec}`);
      }
    }
    assert.ok(seen.size > 50, `${seen.size} modules reached`);
    assert.deepEqual(nodeUses, []);
    assert.ok(![...seen].some((f) => relative(repoRoot, f).startsWith("src/cli/")), "no CLI module");
  });

  it("the web app imports the library only as `tessera` and `tessera/train` (the public API), never a file under src/", () => {
    const offenders: string[] = [];
    for (const file of tsFiles(join(repoRoot, "web/src"))) {
      for (const spec of staticImports(file)) {
        if (spec.startsWith(".") && relative(repoRoot, resolve(dirname(file), spec)).startsWith("src/")) offenders.push(`${relative(repoRoot, file)}: ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
