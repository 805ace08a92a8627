/** `--workers` above the core count is capped with one warning (issue #29, item 7): 32 threads of 1.9 GB no more. */
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { capToCores } from "../src/cli/threads.ts";
import { runCli } from "./helpers/cli.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";

describe("thread counts above the core count", () => {
  it("are capped to the cores with one warning naming the flag; within the cores nothing is said", () => {
    const lines: string[] = [];
    assert.equal(capToCores(32, "--workers", (l) => lines.push(l), 2), 2);
    assert.deepEqual(lines, ["tessera: --workers 32 is more than the 2 cores of this machine: using 2 (each thread holds its own copy of the network and solver; more threads than cores add memory, not speed)"]);
    assert.equal(capToCores(2, "--workers", (l) => lines.push(l), 2), 2);
    assert.equal(capToCores(1, "--concurrency", (l) => lines.push(l), 1), 1);
    assert.equal(lines.length, 1);
  });

  it("tessera count --workers 32 (the issue's probe) warns once and gives the true count", async () => {
    const cores = availableParallelism();
    const r = await runCli(["count", fixturePath("random-2-8-8-s1"), "--workers", String(cores + 30), "--json", "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { regions: number }).regions, expectedOf("random-2-8-8-s1").regions);
    assert.equal(r.stderr, `tessera: --workers ${cores + 30} is more than the ${cores} core${cores === 1 ? "" : "s"} of this machine: using ${cores} (each thread holds its own copy of the network and solver; more threads than cores add memory, not speed)\n`);
  });
});
