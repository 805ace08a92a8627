/**
 * The suites that need an outside program never hang and never fail obscurely (issue #29, item 8): the queue
 * suites run without redis-server on the PATH skip with one install line locally, and fail at once with that line in
 * CI (CI=true), closing whatever they opened.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { REDIS_MISSING } from "./distributed-helpers.ts";
import { repoRoot } from "./helpers/fixtures.ts";

/** A PATH holding only `node`: no redis-server, no openssl. */
const bin = mkdtempSync(join(tmpdir(), "tessera-nopath-"));
symlinkSync(process.execPath, join(bin, "node"));
after(() => rmSync(bin, { recursive: true, force: true }));

/** A suite that waits this long has hung (it needs a few seconds to load and give up). */
const HANG_MS = 90_000;

/** Run one test file with the node test runner without redis-server on the PATH; kill it if it hangs. */
function runSuite(file: string, ci: boolean): Promise<{ code: number | null; out: string; hung: boolean }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
  delete env.CI;
  delete env.NODE_TEST_CONTEXT; // run as a top-level test run, not as a subtest of this one
  if (ci) env.CI = "true";
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=tap", file], { cwd: repoRoot, env });
    let out = "";
    let hung = false;
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, HANG_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, hung });
    });
  });
}

describe("queue suites without redis-server", { timeout: 2 * HANG_MS + 30_000 }, () => {
  it("locally: every suite of test/distributed-queue.test.ts skips with the install line, and the run passes", async () => {
    const r = await runSuite("test/distributed-queue.test.ts", false);
    assert.ok(!r.hung, "the run hung");
    assert.equal(r.code, 0, r.out);
    const skips = r.out.split("\n").filter((l) => l.includes("# SKIP"));
    assert.ok(skips.length >= 4, r.out);
    for (const l of skips) assert.ok(l.endsWith(`# SKIP ${REDIS_MISSING}`), l);
    assert.match(r.out, /# fail 0/);
  });

  it("in CI (CI=true): it fails at once with the install line, never `Cannot read properties of undefined (reading 'stop')`", async () => {
    const r = await runSuite("test/distributed-queue.test.ts", true);
    assert.ok(!r.hung, "the run hung");
    assert.notEqual(r.code, 0);
    assert.ok(r.out.includes(REDIS_MISSING), r.out);
    assert.doesNotMatch(r.out, /Cannot read properties of undefined/);
    assert.match(r.out, /# pass 0/);
  });
});
