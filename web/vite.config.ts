/**
 * Vite configuration of the explorer: a static app with a relative base ("./"), so `web/dist` works from any
 * static host and any sub-path. Workers are ES modules; TF.js's WebAssembly binaries are emitted as assets.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // TF.js alone is about 1 MB minified: the training worker is large by nature.
    chunkSizeWarningLimit: 2500,
  },
  worker: { format: "es" },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
