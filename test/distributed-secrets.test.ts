/**
 * Queue credentials are never printed, whatever the URL's shape (issue #29, item 6): passwords with an unencoded
 * `@`, `"` or space, user:password, a password alone, a user name alone, URLs that do not parse; in every message
 * of `count --queue` and `worker`, with and without a server.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { displayUrl, parseQueueUrl, redactUrlText } from "../src/distributed/connection.ts";
import { jobKeys } from "../src/distributed/job-keys.ts";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";
import { freePort, redisSkip, spawnCli, startRedis } from "./distributed-helpers.ts";

/** Every form in which a secret might leak: as typed, and percent-encoded (as the URL parser re-encodes it). */
function leaks(text: string, secret: string): boolean {
  const forms = [secret, encodeURIComponent(secret), secret.replace(/ /g, "%20").replace(/"/g, "%22"), ...secret.split(/[@ "]/).filter((p) => p.length >= 3)];
  return forms.some((f) => text.includes(f));
}

const SHAPES: [url: string, secret: string][] = [
  ["redis://:p@ss@127.0.0.1:6379", "p@ss"], // the probe
  ['redis://:pa"ss@127.0.0.1:6379/1', 'pa"ss'],
  ["redis://:pass word@127.0.0.1:6379/2", "pass word"],
  ["redis://alice:hunter2@h.example:6380/3", "hunter2"],
  ["redis://alice:p@ss:w@rd@h.example/0", "p@ss:w@rd"],
  ["rediss://:s3cr%25t@h.example/0", "s3cr"],
  ["redis://onlyasecret@h.example/0", "onlyasecret"],
  ["redis://:p@ss@h.example:99999/0", "p@ss"], // does not parse (port)
  ["redis://:p@ss@h.example/x y", "p@ss"], // parses, bad database
  ["http://:p@ss@h.example/0", "p@ss"], // parses, bad scheme
  ["redis://:p@ss@/0", "p@ss"], // no host
  ["redis://h.example:6379/0?password=qwerty", "qwerty"],
];

describe("queue URLs as printed", () => {
  it("hide the password, a lone user name and the query for every shape, in the display and in every refusal", () => {
    for (const [url, secret] of SHAPES) {
      let shown: string;
      try {
        shown = parseQueueUrl(url).display;
      } catch (err) {
        shown = (err as Error).message;
      }
      assert.ok(!leaks(shown, secret), `${url} → ${shown}`);
    }
  });

  it("keep what is needed to find the server: scheme, user, host, port and database", () => {
    assert.equal(parseQueueUrl("redis://alice:p@ss@cache.example:6380/3").display, "redis://alice:***@cache.example:6380/3");
    assert.equal(parseQueueUrl("redis://:p@ss@127.0.0.1:6379").display, "redis://:***@127.0.0.1:6379");
    assert.equal(parseQueueUrl("rediss://[::1]:7000/2").display, "rediss://[::1]:7000/2");
    assert.equal(displayUrl(new URL("redis://u@h/0")), "redis://***@h/0");
    assert.equal(redactUrlText("redis://:a@b@c d@h:1"), "redis://***@h:1");
    assert.equal(redactUrlText("no credentials here"), "no credentials here");
  });

  it("the unencoded password still reaches the server as typed (the parser re-encodes it, the options decode it)", () => {
    assert.equal(parseQueueUrl("redis://:p@ss@127.0.0.1:6379").options.password, "p@ss");
    assert.equal(parseQueueUrl('redis://:p"a ss@127.0.0.1:6379').options.password, 'p"a ss');
  });

  it("count --queue and worker print no credential when the server cannot be reached or the URL is bad", async () => {
    const port = await freePort(); // nothing listens there
    const urls = [[`redis://:p@ss@127.0.0.1:${port}/0`, "p@ss"], [`redis://bob:pa"s s@127.0.0.1:${port}/0`, 'pa"s s'], ["redis://:p@ss@h:99999/0", "p@ss"]] as const;
    const calls = urls.flatMap(([url]) => [["count", fixturePath("random-2-8-8-s1"), "--queue", url, "--job", "j"], ["worker", "--queue", url]]);
    const results = await runCliAll(calls, 3);
    results.forEach((r, k) => {
      const secret = urls[Math.floor(k / 2)][1];
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.ok(!leaks(r.stderr + r.stdout, secret), r.stderr);
      assert.match(r.stderr, /\*\*\*@/);
    });
  });
});

describe("a password with an unencoded @, \" and space on a real server", { skip: redisSkip() }, () => {
  it("counts, and neither the coordinator nor the worker prints it; a wrong one is refused without printing either", async () => {
    const secret = 'p@ss w"rd';
    const redis = await startRedis({ password: secret });
    const url = `redis://:${secret}@127.0.0.1:${redis.port}/0`;
    const w = spawnCli(["worker", "--queue", url, "--concurrency", "1", "--lock-seconds", "1"]);
    try {
      const r = await runCli(["count", fixturePath("random-2-16-s2"), "--queue", url, "--job", "unencoded", "--json", "--no-progress"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { regions: number }).regions, expectedOf("random-2-16-s2").regions);
      assert.equal(await redis.client().hget(jobKeys("unencoded").meta, "status"), "complete");
      assert.ok(!leaks(r.stdout + r.stderr, secret), r.stdout + r.stderr);
      const wrong = await runCli(["count", fixturePath("random-2-16-s2"), "--queue", `redis://:n@pe w"x@127.0.0.1:${redis.port}/0`, "--job", "x"]);
      assert.equal(wrong.code, 2);
      assert.equal(wrong.stderr.trim().split("\n").length, 1, wrong.stderr);
      assert.ok(!leaks(wrong.stderr, 'n@pe w"x') && !leaks(wrong.stderr, secret), wrong.stderr);
    } finally {
      w.proc.kill("SIGTERM");
      await w.exited;
      await redis.stop();
    }
    assert.ok(!leaks(w.stderr() + w.stdout(), secret), w.stderr());
    assert.match(w.stderr(), /on redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0/);
  });
});
