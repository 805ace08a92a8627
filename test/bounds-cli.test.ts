import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { fixturePath } from "./helpers/fixtures.ts";

interface JsonRow { id: string; kind: string; value: string | null; notApplicable?: string; log10: number | null }

test("tessera bounds --arch 784,10,12 prints Theorem 1, Montúfar 2017, Raghu and 2^N exactly", async () => {
  const r = await runCli(["bounds", "--arch", "784,10,12"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const line = (re: RegExp) => r.stdout.split("\n").find((l) => re.test(l)) ?? "";
  assert.match(line(/Theorem 1\)/), /Serra, Tjandraatmadja & Ramalingam 2018\s+upper\s+1744436\s+6\.2417$/);
  assert.match(line(/Montúfar 2017/), /upper\s+4180992\s+6\.6213$/);
  assert.match(line(/Raghu et al\. 2017/), /upper\s+4194304\s+6\.6227$/);
  assert.match(line(/^2\^N/), /upper\s+4194304/);
  assert.match(r.stdout, /not applicable: improved rectifier lower bound .* needs n_l ≥ 3·n0 = 2352/);
  assert.match(r.stdout, /one hidden layer of 22 ReLUs over R\^784: exactly 4194304/);
});

test("tessera bounds --arch 784,10,12 --json gives decimal strings and null where a bound does not apply", async () => {
  const r = await runCli(["bounds", "--arch", "784,10,12", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { inputDim: number; widths: number[]; bounds: JsonRow[]; deepVsShallow: Record<string, unknown> };
  assert.deepEqual([out.inputDim, out.widths], [784, [10, 12]]);
  const byId = Object.fromEntries(out.bounds.map((b) => [b.id, b]));
  assert.equal(byId.serra2018.value, "1744436");
  assert.equal(byId.montufar2017.value, "4180992");
  assert.equal(byId.trivial.value, "4194304");
  assert.ok(Math.abs(byId.trivial.log10! - 22 * Math.log10(2)) < 1e-12);
  assert.equal(byId["montufar2014-lower"].value, null);
  assert.equal(byId["montufar2014-lower"].log10, null);
  assert.match(byId["montufar2014-lower"].notApplicable!, /n0 = 784/);
  assert.deepEqual(out.deepVsShallow, { shallowUnits: 22, shallowExact: "4194304", deepUpper: "1744436", deepLower: null, verdict: "shallow" });
});

test("huge values stay exact in JSON (20 layers of width 100 over n0 = 784)", async () => {
  const arch = ["784", ...Array(20).fill("100")].join(",");
  const r = await runCli(["bounds", "--arch", arch, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = (JSON.parse(r.stdout) as { bounds: JsonRow[] }).bounds;
  const trivial = rows.find((b) => b.id === "trivial")!;
  assert.equal(trivial.value, (1n << 2000n).toString());
  assert.ok(Math.abs(trivial.log10! - 2000 * Math.log10(2)) < 1e-9);
  assert.equal(rows.find((b) => b.id === "serra2018-lower")!.value, null);
});

test("--maxout K lists the maxout bounds", async () => {
  const r = await runCli(["bounds", "--arch", "2,2,1", "--maxout", "3", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = (JSON.parse(r.stdout) as { bounds: JsonRow[] }).bounds;
  assert.equal(rows.find((b) => b.id === "serra2018-maxout")!.value, "88");
  assert.equal(rows.find((b) => b.id === "montufar2014-maxout-lower")!.value, null);
});

test("a model with a sibling NAME.expected.json box: stable units by LP tightening (default) or intervals, and the stable-unit bound", async () => {
  const [r, iv] = await Promise.all([
    runCli(["bounds", fixturePath("random-2-32-32-s5"), "--json"]),
    runCli(["bounds", fixturePath("random-2-32-32-s5"), "--json", "--tightening", "interval"]),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { stableUnits: { active: number[]; inactive: number[]; method: string }; bounds: JsonRow[] };
  assert.match(out.stableUnits.method, /^LP bound tightening over \[-1, 1\]\^2$/);
  const ivOut = JSON.parse(iv.stdout) as { stableUnits: { method: string }; bounds: JsonRow[] };
  assert.match(ivOut.stableUnits.method, /^interval arithmetic over \[-1, 1\]\^2$/);
  // LP bounds are at least as tight, so the stable-unit bound can only be lower.
  assert.ok(BigInt(out.bounds.find((b) => b.id === "serra2018-stable")!.value!) <= BigInt(ivOut.bounds.find((b) => b.id === "serra2018-stable")!.value!));
  const stable = BigInt(out.bounds.find((b) => b.id === "serra2018-stable")!.value!);
  const plain = BigInt(out.bounds.find((b) => b.id === "serra2018")!.value!);
  assert.ok(stable < plain && stable >= 1557n, `${stable} vs ${plain}`);
  // --box overrides the sibling's box: a tiny box makes more units stable, so the bound can only drop.
  const small = await runCli(["bounds", fixturePath("random-2-32-32-s5"), "--box", "-0.01,0.01", "--json"]);
  const smallOut = JSON.parse(small.stdout) as { bounds: JsonRow[] };
  assert.ok(BigInt(smallOut.bounds.find((b) => b.id === "serra2018-stable")!.value!) <= stable);
});

test("a model without any domain reports the plain bounds and says the stable-unit bound needs one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bounds-"));
  const path = join(dir, "net.onnx");
  copyFileSync(fixturePath("random-2-8-8-s1"), path);
  const r = await runCli(["bounds", path]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no input domain .* the stable-unit bound needs a domain/);
  assert.doesNotMatch(r.stdout, /with stable units/);
  assert.match(r.stdout, /Theorem 1\)/);
});

test("bad --arch / --maxout / --box and bad combinations: one line on stderr, exit 2", async () => {
  const calls = [
    ["bounds", "--arch", "784"],
    ["bounds", "--arch", "784,x,12"],
    ["bounds", "--arch", "784,0,12"],
    ["bounds", "--arch", "784,-3"],
    ["bounds", "--arch", "784,10", "--maxout", "1"],
    ["bounds", "--arch", "784,10", "--maxout", "2.5"],
    ["bounds", "--arch", "784,10", "--box", "0,1"],
    ["bounds"],
    ["bounds", fixturePath("random-2-8-8-s1"), "--arch", "2,8"],
    ["bounds", fixturePath("random-2-8-8-s1"), "--box", "1,0"],
    ["bounds", fixturePath("random-2-8-8-s1"), "--box", "0"],
    ["bounds", fixturePath("random-2-8-8-s1"), "--maxout", "3"],
    ["bounds", "/nonexistent/model.onnx"],
  ];
  const results = await runCliAll(calls);
  results.forEach((r, i) => {
    assert.equal(r.code, 2, `${calls[i].join(" ")}: exit ${r.code}, ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^tessera: [^\n]+\n$/, `${calls[i].join(" ")}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error|    at /);
  });
});
