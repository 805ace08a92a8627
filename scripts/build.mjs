// Compile the package into dist/ (npm run build; `npm pack` runs it through the prepack script):
// - the library, `tessera` and `tessera/node`: tsc (tsconfig.build.json) turns src/**/*.ts into one ESM module and
//   one .d.ts per source file, so the shipped types are exactly the sources' and bundlers see plain modules;
//   the worker-thread entries (src/**/*-boot.mjs) are rewritten to import the compiled worker instead of
//   registering tsx's loader;
// - the command line: esbuild bundles src/cli/main.ts and its three worker threads into dist/bin/ (code-split ESM,
//   with the pure-JavaScript dependencies commander, zod and pbf inside). Node's ESM loader costs about as much per
//   module as the work of `tessera --help`, and the CLI's static graph is ~100 of our modules plus ~100 of zod's:
//   one bundle halves the start-up (README, "Installing the package").
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");
const dist = join(root, "dist");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** Dependencies the CLI bundle carries inside (pure JavaScript, many small modules); the rest stay imports. */
const BUNDLED = new Set(["commander", "zod", "pbf"]);

/** Every file under `dir` whose name ends with `suffix`. */
function filesEnding(dir, suffix) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath, e.name));
}

rmSync(dist, { recursive: true, force: true });

// The library.
const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
const workerEntries = {};
for (const file of filesEnding(src, "-boot.mjs")) {
  const rel = relative(src, file);
  const target = /await import\("(\.\/[^"]+)\.ts"\)/.exec(readFileSync(file, "utf8"))?.[1];
  if (!target) throw new Error(`${rel}: no \`await import("./NAME.ts")\` to compile into dist`);
  mkdirSync(dirname(join(dist, rel)), { recursive: true });
  writeFileSync(join(dist, rel), `// Worker-thread entry of the compiled library (written by scripts/build.mjs from src/${rel}).\nawait import("${target}.js");\n`);
  workerEntries[rel.split("/").pop().replace(/\.mjs$/, "")] = join(dirname(file), `${target}.ts`);
}

// The command line. Worker entries keep their names, so `new URL("./count-worker-boot.mjs", import.meta.url)` in
// any chunk finds them beside it.
const external = [...Object.keys(pkg.dependencies ?? {}).filter((d) => !BUNDLED.has(d)), "vite"];
await esbuild.build({
  entryPoints: { main: join(src, "cli/main.ts"), ...workerEntries },
  outdir: join(dist, "bin"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunk-[hash]",
  external,
  // Minified (names kept, so an internal error still names its function): the bundle carries zod and commander.
  minify: true,
  keepNames: true,
  // commander is CommonJS and calls require("events"): give the ESM output a require.
  banner: { js: 'import { createRequire as __tesseraRequire } from "node:module"; const require = __tesseraRequire(import.meta.url);' },
  logLevel: "warning",
});

const size = (files) => files.reduce((s, f) => s + readFileSync(f).length, 0);
const lib = filesEnding(dist, ".js");
const dts = filesEnding(dist, ".d.ts");
const cli = filesEnding(join(dist, "bin"), ".mjs");
const kb = (n) => `${Math.round(n / 1024)} KB`;
console.log(
  `dist: library ${lib.length} modules (${kb(size(lib))}), ${dts.length} declaration files (${kb(size(dts))}), ` +
    `${Object.keys(workerEntries).length} worker entries; CLI bundle ${cli.length} files (${kb(size(cli))})`,
);
