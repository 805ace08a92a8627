#!/usr/bin/env node
// The `tessera` command. In a clone of the repository (src/ present) it runs the TypeScript sources through tsx's
// loader, so an edit takes effect without a build and a stale dist/ is never run; an installed package has no src/
// and runs the compiled command line, dist/bin/main.mjs (`npm run build`).
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import("../dist/bin/main.mjs"));
}
await main(process.argv);
