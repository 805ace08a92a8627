import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, formatRate } from "../src/util/progress.ts";
import { ProgressBar } from "../src/run/progress-bar.ts";

describe("progress line", () => {
  it("durations are rounded before splitting into units, so no field reaches 60", () => {
    assert.equal(formatDuration(7.46), "7.5s");
    assert.equal(formatDuration(9.96), "10s");
    assert.equal(formatDuration(59.6), "1m00s");
    assert.equal(formatDuration(1379.7), "23m00s");
    assert.equal(formatDuration(3599.6), "1h00m");
    assert.equal(formatDuration(7500), "2h05m");
    assert.equal(formatDuration(Infinity), "?");
  });

  it("slow rates keep two significant digits instead of showing 0/s", () => {
    assert.equal(formatRate(0), "0");
    assert.equal(formatRate(0.04567), "0.046");
    assert.equal(formatRate(3.14159), "3.1");
    assert.equal(formatRate(1234.4), "1,234");
  });

  it("items carried over from a checkpoint are shown but left out of the rate", async () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar("count", true, stream);
    await new Promise((r) => setTimeout(r, 1100));
    bar.update(1_000_000, 0.5, "x", true, 1_000_000);
    assert.match(lines[0], /^count \[#{10}\.{10}\]  50% 1,000,000 \| 0\/s \| x \| /);
  });
});
