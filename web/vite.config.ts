/**
 * Vite configuration of the explorer: a static app with a relative base ("./"), so `web/dist` works from any
 * static host and any sub-path. Workers are ES modules; TF.js's WebAssembly binaries are emitted as assets.
 * The build records the source files it bundled in dist/build-sources.json, so `tessera explore` and the tests
 * rebuild only when one of them changed.
 */
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const repo = join(root, "..");

/** Every local module of the app and its workers, written (relative to the repository) beside the built files. */
const sources = new Set<string>(["web/index.html", "web/vite.config.ts"]);
const recordSources: Plugin = {
  name: "tessera-record-sources",
  transform(_code, id) {
    const path = id.split("?")[0];
    if (path.startsWith(repo) && !path.includes("/node_modules/")) sources.add(relative(repo, path));
    return null;
  },
  writeBundle(options) {
    if (options.dir === join(root, "dist")) writeFileSync(join(options.dir, "build-sources.json"), JSON.stringify([...sources].sort(), null, 1));
  },
};

export default defineConfig({
  root,
  base: "./",
  // The app imports the library by its public name (src/index.ts, the isomorphic public API), as web/tsconfig.json's
  // paths and the root tsconfig (for tsx in the tests) do.
  resolve: { alias: [{ find: /^tessera\/train$/, replacement: join(repo, "src/train.ts") }, { find: /^tessera$/, replacement: join(repo, "src/index.ts") }] },
  logLevel: "warn",
  plugins: [recordSources],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // TF.js alone is about 1 MB minified: the training worker is large by nature.
    chunkSizeWarningLimit: 2500,
    // The plugin-timing report is noise on a loaded machine (and our recorder plugin is cheap).
    // HiGHS (the LP solver, loaded lazily by the public API's counting functions) is never called by the app: leave it
    // out rather than emit its 3.5 MB of WebAssembly.
    rolldownOptions: { checks: { bundlerTimings: false }, external: ["highs"] },
  },
  worker: { format: "es", plugins: () => [recordSources], rolldownOptions: { checks: { bundlerTimings: false }, external: ["highs"] } },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
