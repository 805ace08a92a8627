import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration } from "../src/cli/progress.ts";

describe("formatDuration", () => {
  it("rounds before splitting into units, so no field reaches 60", () => {
    assert.equal(formatDuration(7.46), "7.5s");
    assert.equal(formatDuration(9.96), "10s");
    assert.equal(formatDuration(59.6), "1m00s");
    assert.equal(formatDuration(1379.7), "23m00s");
    assert.equal(formatDuration(3599.6), "1h00m");
    assert.equal(formatDuration(7500), "2h05m");
    assert.equal(formatDuration(Infinity), "?");
  });
});
