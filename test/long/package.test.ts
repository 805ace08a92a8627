/**
 * The package as a user installs it: `npm pack` (which builds dist/ and web/dist through the prepack script), then
 * `npm install` of the tarball into an empty project (the registry supplies the runtime dependencies; no dev
 * dependency is installed), then the CLI, the library in Node, the shipped types and a browser bundle, all from
 * that project. Needs npm and the npm registry (or a warm npm cache); every step has a time limit.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../helpers/fixtures.ts";
import { startRedis } from "../distributed-helpers.ts";

/** Limits of the slow steps (ms): pack builds the explorer and the package; install fetches ~60 packages. */
const PACK_MS = 600_000;
const INSTALL_MS = 600_000;
/** Limit of every other step (ms). */
const STEP_MS = 180_000;
/** Regions of examples/random-2-32-32-s5.onnx in [-1, 1]^2 (its expected.json; SciPy/HiGHS oracle). */
const EXAMPLE_REGIONS = 1557;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to its end (killed at `timeout`), never throwing on a non-zero exit. */
function run(file: string, args: string[], cwd: string, timeout = STEP_MS): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(file, args, { cwd, timeout, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : null) : 0;
      resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === null ? `\n${err.message}` : "") });
    });
  });
}

/** Assert a run exited 0, showing its output when it did not. */
function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r;
}

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");

describe("the packed package, installed into an empty project", { timeout: PACK_MS + INSTALL_MS + 10 * STEP_MS }, () => {
  let work: string;
  let app: string;
  let tarball: string;
  /** `npm pack --json`'s record of the tarball. */
  let packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string; size: number }[] };
  const example = "node_modules/tessera/examples/random-2-32-32-s5.onnx";
  const tessera = () => join(app, "node_modules", ".bin", "tessera");

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "tessera-pack-"));
    const pack = ok(await run(NPM, ["pack", "--json", "--pack-destination", work], repoRoot, PACK_MS), "npm pack");
    // npm prints the prepack scripts' output before the JSON.
    [packed] = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m)));
    tarball = join(work, packed.filename);
    app = join(work, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "tessera-user", private: true, type: "module" }));
    ok(await run(NPM, ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", tarball], app, INSTALL_MS), "npm install of the tarball");
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the tarball holds the compiled package and the explorer's build, and no sources, tests, results or CI", (t) => {
    const paths = packed.files.map((f) => f.path);
    const needed = [
      ...["bin/tessera.mjs", "package.json", "README.md", "examples/random-2-32-32-s5.onnx", "web/dist/index.html"],
      ...["dist/index.js", "dist/index.d.ts", "dist/node.js", "dist/node.d.ts"],
      // The CLI bundle and the worker-thread entries of the CLI and of the library.
      ...["dist/bin/main.mjs", "dist/bin/count-worker-boot.mjs", "dist/bin/unit-thread-boot.mjs", "dist/bin/worker-boot.mjs"],
      ...["dist/run/count-worker-boot.mjs", "dist/distributed/unit-thread-boot.mjs", "dist/study/worker-boot.mjs"],
    ];
    for (const need of needed) {
      assert.ok(paths.includes(need), `${need} is not in the tarball`);
    }
    const stray = paths.filter((p) => /^(src|test|results|bench|scripts|docs|\.ci|web\/src|node_modules)\//.test(p) || (p.endsWith(".ts") && !p.endsWith(".d.ts")));
    assert.deepEqual(stray, []);
    const explorer = packed.files.filter((f) => f.path.startsWith("web/dist/")).reduce((s, f) => s + f.size, 0);
    t.diagnostic(`tarball ${packed.size} bytes, ${packed.entryCount} files, ${packed.unpackedSize} bytes unpacked (explorer build ${explorer})`);
  });

  test("no dev dependency (tsx, typescript, vite, esbuild) is installed with it", () => {
    for (const dev of ["tsx", "typescript", "vite", "esbuild"]) assert.ok(!existsSync(join(app, "node_modules", dev)), `${dev} was installed`);
  });

  test("tessera --help and info run from the compiled CLI", async () => {
    assert.match(ok(await run(tessera(), ["--help"], app), "tessera --help").stdout, /^Usage: tessera \[options\] \[command\]/);
    const info = ok(await run(tessera(), ["info", example], app), "tessera info").stdout;
    assert.match(info, /architecture\s+2 → 32 → 32 → 2/);
  });

  test("tessera count gives the example's known count, in one thread and with 2 worker threads", async () => {
    for (const workers of ["1", "2"]) {
      const out = JSON.parse(ok(await run(tessera(), ["count", example, "--json", "--no-progress", "--workers", workers], app), `tessera count --workers ${workers}`).stdout);
      assert.equal(out.regions, EXAMPLE_REGIONS);
    }
  });

  test("a count on a Redis queue, with a tessera worker (BullMQ, unit threads) from the package, gives the same count", async (t) => {
    if ((await run("redis-server", ["--version"], app)).code !== 0) {
      t.skip("redis-server is not installed (apt-get install redis-server)");
      return;
    }
    const redis = await startRedis();
    const worker = spawn(tessera(), ["worker", "--queue", redis.url(), "--concurrency", "2"], { cwd: app, stdio: "ignore" });
    try {
      const out = JSON.parse(ok(await run(tessera(), ["count", example, "--queue", redis.url(), "--job", "pkg", "--json", "--no-progress"], app), "tessera count --queue").stdout);
      assert.equal(out.regions, EXAMPLE_REGIONS);
    } finally {
      const exited = new Promise((r) => (worker.exitCode !== null ? r(null) : worker.once("exit", r)));
      worker.kill();
      const kill = setTimeout(() => worker.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(kill);
      await redis.stop();
    }
  });

  test("tessera draw writes a PNG of the regions", async () => {
    ok(await run(tessera(), ["draw", example, "--out", "regions.png", "--no-progress"], app), "tessera draw");
    assert.deepEqual([...readFileSync(join(app, "regions.png")).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  test("bad input is one line naming the file and exit code 2", async () => {
    const r = await run(tessera(), ["info", "missing.onnx"], app);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, /missing\.onnx/);
  });

  test("tessera explore serves the shipped explorer build", async () => {
    const child = spawn(tessera(), ["explore", "--port", "0", "--no-open"], { cwd: app });
    try {
      const url = await new Promise<string>((resolvePromise, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no URL in time: ${out}`)), STEP_MS);
        child.stdout.on("data", (d) => {
          out += d;
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolvePromise(m[0]);
          }
        });
        child.once("exit", (code) => reject(new Error(`explore exited ${code}: ${out}`)));
      });
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="module"/);
    } finally {
      child.kill();
    }
  });

  const script = `import { countRegions, highsMarginSolver, loadHighs, parseOnnx, uniformBox } from "tessera";
import { loadModel } from "tessera/node";
import { readFileSync } from "node:fs";

const path = "${example}";
const net = parseOnnx(new Uint8Array(readFileSync(path)), "example");
const result = countRegions(net, { box: uniformBox(2, -1, 1), exact: highsMarginSolver(await loadHighs()) });
const loaded = await loadModel(path);
console.log(result.regions, loaded.network.inputDim, loaded.network.layers.length);
`;

  test("a Node ESM script imports tessera and tessera/node and counts the example", async () => {
    writeFileSync(join(app, "count.mjs"), script);
    assert.equal(ok(await run(process.execPath, ["count.mjs"], app), "node count.mjs").stdout.trim(), `${EXAMPLE_REGIONS} 2 3`);
  });

  test("the same script type-checks against the shipped .d.ts, and a wrong type in it does not", async () => {
    writeFileSync(join(app, "count.ts"), script);
    writeFileSync(join(app, "wrong.ts"), `${script}const n: string = result.regions;\n`);
    const config = (file: string) => ({
      compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: ["node"] },
      files: [file],
    });
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(config("count.ts")));
    writeFileSync(join(app, "tsconfig.wrong.json"), JSON.stringify(config("wrong.ts")));
    ok(await run(process.execPath, [tsc, "-p", "tsconfig.json"], app), "tsc on count.ts");
    const wrong = await run(process.execPath, [tsc, "-p", "tsconfig.wrong.json"], app);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout, /wrong\.ts.*TS2322/);
  });

  test("an esbuild browser bundle of tessera has no node: import of its own, and counts the example", async () => {
    const esbuild = await import("esbuild");
    writeFileSync(
      join(app, "browser.mjs"),
      `import { countRegions, highsMarginSolver, loadHighs, parseOnnx, uniformBox } from "tessera";
export async function count(bytes) {
  const net = parseOnnx(bytes, "example");
  return countRegions(net, { box: uniformBox(2, -1, 1), exact: highsMarginSolver(await loadHighs()) }).regions;
}
`,
    );
    const out = join(app, "bundle");
    const result = await esbuild.build({
      absWorkingDir: app,
      entryPoints: ["browser.mjs"],
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      outdir: out,
      // HiGHS's Emscripten loader has a Node-only branch, `await import("node:module")`, that a browser never takes.
      external: ["node:*"],
      metafile: true,
      logLevel: "silent",
    });
    const nodeImports = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
      input.imports.filter((i) => i.path.startsWith("node:")).map((i) => `${file} ${i.kind} ${i.path}`),
    );
    assert.deepEqual(nodeImports, ["node_modules/highs/build/highs.mjs dynamic-import node:module"]);
    const ours = Object.keys(result.metafile.inputs).filter((f) => f.startsWith("node_modules/tessera/"));
    assert.ok(ours.length > 20, `only ${ours.length} modules of tessera in the bundle`);
    // The bundle works: with HiGHS's wasm beside its chunk (what a bundler's asset step does), it counts the example.
    copyFileSync(join(app, "node_modules/highs/build/highs.wasm"), join(out, "highs.wasm"));
    const { count } = (await import(join(out, "browser.js"))) as { count: (bytes: Uint8Array) => Promise<number> };
    assert.equal(await count(new Uint8Array(readFileSync(join(app, example)))), EXAMPLE_REGIONS);
  });
});
