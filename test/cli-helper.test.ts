/**
 * The tests' CLI runner (test/helpers/cli.ts) answers as a fresh `tessera` process does: the same exit code, stdout
 * and stderr for a help text, a report, a JSON count and usage errors, whether the call ran on the long-lived server
 * or in a new `node bin/tessera.mjs`; and a call that arrives while the server is busy runs beside it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli, runCliAll, runCliFresh } from "./helpers/cli.ts";
import { fixturePath } from "./helpers/fixtures.ts";

/** Fields of `count --json` that measure time, not the count. */
const TIMING = /"(seconds|tighteningSeconds)":\s*[\d.e+-]+/g;

const CALLS: string[][] = [
  ["--help"],
  ["info", fixturePath("random-2-8-8-s1")],
  ["count", fixturePath("random-2-8-8-s1"), "--json", "--no-progress"],
  ["count", fixturePath("random-2-8-8-s1"), "--threshold", "2"],
];

describe("the tests' CLI runner", () => {
  it("gives the exit code, stdout and stderr of a fresh process, call for call", async () => {
    const served = await runCliAll(CALLS);
    const fresh = await Promise.all(CALLS.map((args) => runCliFresh(args)));
    for (const [i, args] of CALLS.entries()) {
      const s = served[i], f = fresh[i];
      assert.equal(s.code, f.code, args.join(" "));
      assert.equal(s.stdout.replace(TIMING, ""), f.stdout.replace(TIMING, ""), args.join(" "));
      assert.equal(s.stderr, f.stderr, args.join(" "));
    }
    assert.ok(served.some((r) => r.code === 2) && served.some((r) => r.code === 0), "both outcomes are covered");
  });

  it("runs concurrent calls side by side (a busy server sends the second one to a fresh process) with the same results", async () => {
    const args = ["bounds", "--arch", "784,10,12", "--json"];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(a, b);
  });
});
