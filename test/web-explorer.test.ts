/**
 * End-to-end tests of the browser explorer: the built app (web/dist, served from a sub-path by a tiny static server)
 * driven in Debian's headless Chromium with playwright-core. The region count the page shows is checked against two
 * other methods on the exported network (the counting engine and `tessera count` over the same rectangle, and the
 * 2-D partition run in Node); training is checked to be reproducible; CSV uploads, bad files, model files, exports,
 * hovering and `tessera explore` are exercised.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Download, Page } from "playwright-core";
import { countRegions } from "../src/count/count.ts";
import { classBoundary } from "../src/geometry/class-boundary.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { loadModel } from "../src/io/load.ts";
import { affineMapOf, evaluate, forward, patternToString } from "../src/model/evaluate.ts";
import { stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { parseTfjs, toTfjs } from "../src/io/tfjs.ts";
import { runCli } from "./helpers/cli.ts";
import { expectedOf, fixturePath, repoRoot } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";
import { chromiumMissing, currentRun, launchChromium, pageErrors, requireChromiumInCi, shownPartition, startExplorerSession, stepEpochs, waitForText } from "./web-helpers.ts";

const skip = chromiumMissing();
requireChromiumInCi(it);

const dir = mkdtempSync(join(tmpdir(), "tessera-web-"));

async function saveDownload(page: Page, click: string): Promise<string> {
  const [download]: [Download, void] = await Promise.all([page.waitForEvent("download"), page.click(click)]);
  const path = join(dir, download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

describe("the explorer in Chromium", { timeout: 120_000, skip }, () => {
  let session: Awaited<ReturnType<typeof startExplorerSession>>;
  let page: Page;
  let errors: string[];

  before(async () => {
    session = await startExplorerSession();
    page = await session.context.newPage();
    errors = pageErrors(page);
    await page.goto(session.url);
  });
  after(async () => {
    await session?.close();
  });

  let exported = "";
  let shown = { regions: 0, rect: { umin: 0, umax: 0, vmin: 0, vmax: 0 } };

  it("trains 5 seeded epochs on XOR; the region count shown equals countRegions and the 2-D partition of the exported JSON", async () => {
    await page.selectOption("#dataset", "xor");
    await page.fill("#seed", "3");
    await page.press("#seed", "Enter");
    await stepEpochs(page, 5);
    shown = await shownPartition(page, 5);
    assert.deepEqual(shown.rect, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
    assert.ok(shown.regions > 1, `regions shown: ${shown.regions}`);
    exported = await saveDownload(page, "#export-json");
    const loaded = await loadModel(exported);
    assert.deepEqual([...loaded.network.layers.map((l) => l.outDim)], [8, 8, 2]);
    assert.deepEqual({ lo: [...loaded.domain!.lo], hi: [...loaded.domain!.hi] }, { lo: [-1, -1], hi: [1, 1] });
    assert.equal(loaded.metadata?.epoch, 5);
    assert.equal(countRegions(loaded.network, { box: loaded.domain! }).regions, shown.regions);
    assert.equal(planarPartition(loaded.network, shown.rect).regions.length, shown.regions);
  });

  it("tessera count --box-file over the same rectangle agrees with the page", async () => {
    const boxFile = join(dir, "box.json");
    writeFileSync(boxFile, JSON.stringify({ lo: [shown.rect.umin, shown.rect.vmin], hi: [shown.rect.umax, shown.rect.vmax] }));
    const r = await runCli(["count", exported, "--box-file", boxFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^regions\\s+${shown.regions}$`, "m"));
  });

  it("reset and the same 5 epochs give bit-identical weights (seeded initialisation and shuffles)", async () => {
    const run = await currentRun(page);
    await page.click("#reset");
    await page.waitForSelector(`#epoch[data-run="${run + 1}"]`);
    await stepEpochs(page, 5);
    await shownPartition(page, 5);
    const again = await saveDownload(page, "#export-json");
    const a = await loadModel(exported), b = await loadModel(again);
    assert.deepEqual(b.network, a.network);
  });

  it("hovering a region shows its pattern and affine map; hovering a unit reports its bent hyperplane", async () => {
    const box = (await page.locator("#plot").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    const text = await waitForText(page, "#hover", /f1\(x\) =/);
    assert.match(text, /region \d+ of \d+/);
    assert.match(text, /layer 1: [01]{8} {3}layer 2: [01]{8}/);
    await page.hover("#diagram circle.unit >> nth=0");
    assert.match(await waitForText(page, "#unit-info", /bent hyperplane/), /layer 1, unit 1: .* \d+ pieces?/);
  });

  it("hover equals tessera eval bit for bit: the pattern, the output, and the affine map is affineMapOf of that pattern", async () => {
    const file = await saveDownload(page, "#export-json");
    const net = (await loadModel(file)).network;
    const box = (await page.locator("#plot").boundingBox())!;
    let checked = 0;
    for (const [fx, fy] of [[0.23, 0.31], [0.5, 0.5], [0.71, 0.19], [0.37, 0.83], [0.88, 0.62]]) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
      await page.waitForFunction("explorer.hover() !== null");
      const h = (await page.evaluate("explorer.hover()")) as { point: [number, number]; pattern: string; J: number[]; c: number[]; output: number[] };
      const { output, pattern } = evaluate(net, h.point);
      // The pointer may sit on an edge, where the closed polygon and the forward pass may pick different sides.
      if (patternToString(pattern) !== h.pattern) continue;
      assert.deepEqual(h.output, Array.from(output));
      const map = affineMapOf(net, pattern);
      assert.deepEqual({ J: h.J, c: h.c }, { J: Array.from(map.J), c: Array.from(map.c) });
      if (checked === 0) {
        // And the command itself (one process: each takes a few seconds to start on a loaded machine).
        const r = await runCli(["eval", file, `--x=${h.point.join(",")}`, "--json"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), { output: h.output, pattern: h.pattern });
      }
      checked++;
    }
    assert.ok(checked >= 4, `points checked: ${checked}`);
  });

  it("zooming and panning re-partition the new rectangle exactly (export and count agree)", async () => {
    const box = (await page.locator("#plot").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.45);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -200);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.55, { steps: 4 });
    await page.mouse.up();
    // Wait until the picture shows the rectangle the view settled on.
    let view = "";
    for (let t0 = Date.now(); Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 100))) {
      view = JSON.stringify(await page.evaluate("explorer.state().view"));
      if ((await page.getAttribute("#regions", "data-rect")) === view) break;
    }
    const rect = JSON.parse(view);
    assert.equal(await page.getAttribute("#regions", "data-rect"), view);
    assert.ok(rect.umax - rect.umin < 1.5 && rect.umin !== -1, `view ${view}`);
    const regions = Number((await page.textContent("#regions"))!.replace(/,/g, ""));
    const zoomed = await loadModel(await saveDownload(page, "#export-json"));
    assert.deepEqual({ lo: [...zoomed.domain!.lo], hi: [...zoomed.domain!.hi] }, { lo: [rect.umin, rect.vmin], hi: [rect.umax, rect.vmax] });
    assert.equal(countRegions(zoomed.network, { box: zoomed.domain! }).regions, regions);
    await page.click("#reset-view");
    await page.waitForSelector('#regions[data-rect=\'{"umin":-1,"umax":1,"vmin":-1,"vmax":1}\']');
  });

  it("exports the picture as SVG and PNG, and writes a screenshot", async () => {
    const svg = readFileSync(await saveDownload(page, "#export-svg"), "utf8");
    assert.match(svg, /^<svg [^>]*font-family="DejaVu Sans, sans-serif"/);
    assert.match(svg, new RegExp(`${shown.regions} regions`));
    const png = readFileSync(await saveDownload(page, "#export-png"));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const shot = join(dir, "explorer.png");
    await page.screenshot({ path: shot });
    assert.ok(statSync(shot).size > 10_000);
  });

  it("a CSV upload becomes the dataset; a malformed CSV gets a one-line message and nothing breaks", async () => {
    const rows = ["x,y,label"];
    for (let i = 0; i < 40; i++) rows.push(`${(i % 8) / 4 - 1},${Math.floor(i / 8) / 2 - 1},${i % 2 ? "cat" : "dog"}`);
    const good = join(dir, "points.csv"), bad = join(dir, "bad.csv");
    writeFileSync(good, rows.join("\n") + "\n");
    writeFileSync(bad, "x,y,label\n0.1,0.2,1\n0.3,oops,0\n");
    await page.setInputFiles("#csv-input", good);
    await waitForText(page, "#data-info", /^points\.csv: 20 train \+ 20 test points, 2 classes \(dog, cat\)/);
    await shownPartition(page, 0);
    await page.setInputFiles("#csv-input", bad);
    await page.waitForSelector("#message.error");
    const message = (await page.textContent("#message"))!;
    assert.equal(message, 'bad.csv: line 3: y "oops" is not a finite number');
    assert.ok((await page.textContent("#data-info"))!.startsWith("points.csv:"), "the previous dataset stays");
    await stepEpochs(page, 1);
    const after = await shownPartition(page, 1);
    assert.ok(after.regions >= 1);
  });

  it("a dropped ONNX model is shown exactly and trained on from its weights; a 784-input model is refused in one line", async () => {
    await page.goto(session.url);
    await page.setInputFiles("#model-input", fixturePath("random-2-8-8-s1"));
    await waitForText(page, "#message", /^loaded random-2-8-8-s1\.onnx \(ONNX\): 2-8-8-2 relu; training continues/);
    const loaded = await shownPartition(page, 0);
    assert.equal(loaded.regions, expectedOf("random-2-8-8-s1").regions);
    await page.setInputFiles("#model-input", fixturePath("mnist-10-12-s1"));
    await page.waitForSelector("#message.error");
    assert.match((await page.textContent("#message"))!, /^mnist-10-12-s1\.onnx: the explorer draws networks with 2 inputs, this one takes 784/);
  });

  it("TF.js models: model.json dropped with its weights, or with the weights inlined; alone it is refused in one line", async () => {
    const net = randomNet(7, 2, [6, 5], 2);
    const { modelJson, weightData } = toTfjs(net, "weights.bin");
    const modelPath = join(dir, "model.json"), binPath = join(dir, "weights.bin"), inlinePath = join(dir, "inline.json");
    writeFileSync(modelPath, JSON.stringify(modelJson));
    writeFileSync(binPath, weightData);
    const inline = structuredClone(modelJson) as { weightsManifest: { paths: string[] }[] };
    inline.weightsManifest[0].paths = [`data:application/octet-stream;base64,${Buffer.from(weightData).toString("base64")}`];
    writeFileSync(inlinePath, JSON.stringify(inline));
    // TF.js stores float32: the page's network is the float32-rounded one, whose partition Node computes here.
    const expected = planarPartition(parseTfjs(modelJson, new Map([["weights.bin", weightData]]), "model.json"), { umin: -1, umax: 1, vmin: -1, vmax: 1 }).regions.length;
    await page.goto(session.url);
    await page.setInputFiles("#model-input", [modelPath, binPath]);
    await waitForText(page, "#message", /^loaded model\.json \(TF\.js LayersModel\): 2-6-5-2 relu/);
    assert.equal((await shownPartition(page, 0)).regions, expected);
    await page.setInputFiles("#model-input", inlinePath);
    await waitForText(page, "#message", /^loaded inline\.json \(TF\.js LayersModel\)/);
    assert.equal((await shownPartition(page, 0)).regions, expected);
    await page.setInputFiles("#model-input", modelPath);
    assert.equal(await waitForText(page, "#message", /missing/), "model.json: TF.js weights missing (weights.bin): drop model.json together with its weight files");
  });

  it("a maxout model (Tessera JSON) is shown as it is, not trained, with the region count of the 2-D partition", async () => {
    const net = randomNet(11, 2, [5, 4], 3, { kind: "maxout", rank: 3 });
    const path = join(dir, "maxout.json");
    writeFileSync(path, stringifyTesseraJson(net, { lo: Float64Array.of(-2, -1), hi: Float64Array.of(2, 1) }));
    await page.setInputFiles("#model-input", path);
    await waitForText(page, "#message", /^loaded maxout\.json \(Tessera JSON\): 2-5-4-3 maxout\(3\); shown as it is, not trainable here: the explorer trains ReLU and leaky ReLU networks, this one is maxout$/);
    const shown = await shownPartition(page, 0);
    assert.deepEqual(shown.rect, { umin: -2, umax: 2, vmin: -1, vmax: 1 });
    assert.equal(shown.regions, planarPartition(net, shown.rect).regions.length);
    assert.equal(await page.isDisabled("#play"), true);
    assert.deepEqual(errors, []);
  });

  it("a regression (plane, one output, MSE) trains; the picture shows the zero-level set f = 0, value shading and legend; exports count and draw", async () => {
    const rpage = await session.context.newPage();
    const rerrors = pageErrors(rpage);
    await rpage.goto(`${session.url}?dataset=multigauss&noise=0&widths=8,8&seed=2&lr=0.03`);
    await waitForText(rpage, "#data-info", /a regression \(one output, mean squared error/);
    await stepEpochs(rpage, 4);
    const shown = await shownPartition(rpage, 4);
    assert.equal(await rpage.textContent("#pieces-name"), "Zero-level-set pieces");
    assert.match((await rpage.textContent("#train-metrics"))!, /^\d+\.\d{4}$/);
    const legend = (await rpage.textContent("#legend"))!;
    assert.match(legend, /output f\(x\), exact per region: −[\d.]+ ← 0 → [\d.]+/);
    assert.match(legend, /zero-level set f\(x\) = 0/);
    const file = await saveDownload(rpage, "#export-json");
    const { network, domain } = await loadModel(file);
    assert.equal(network.layers[network.layers.length - 1].outDim, 1);
    assert.equal(countRegions(network, { box: domain! }).regions, shown.regions);
    // The legend's scale is the largest |f| at the partition's vertices (a piecewise-linear f peaks at vertices).
    assert.ok(Number(await rpage.getAttribute("#legend", "data-scale")) > 0);
    // The zero-level set: its longest piece's midpoint has f = 0 (forward pass in Node) and is painted black.
    const lines = (await rpage.evaluate("explorer.lines()")) as { start: number[]; coords: number[]; rect: typeof shown.rect };
    assert.ok(lines.coords.length >= 4, "the zero-level set crosses the view");
    let best = { len: 0, u: 0, v: 0 };
    for (let l = 0; l + 1 < lines.start.length; l++) {
      for (let i = lines.start[l]; i + 1 < lines.start[l + 1]; i++) {
        const [u0, v0, u1, v1] = lines.coords.slice(2 * i, 2 * i + 4);
        const len = Math.hypot(u1 - u0, v1 - v0);
        if (len > best.len) best = { len, u: (u0 + u1) / 2, v: (v0 + v1) / 2 };
      }
    }
    assert.ok(Math.abs(forward(network, [best.u, best.v])[0]) < 1e-9, `f at the piece's midpoint: ${forward(network, [best.u, best.v])[0]}`);
    const darkest = (await rpage.evaluate(`(() => {
      const base = document.getElementById("plot-base"), w = base.clientWidth, h = base.clientHeight, dpr = base.width / w;
      const r = ${JSON.stringify(lines.rect)}, du = r.umax - r.umin, dv = r.vmax - r.vmin, s = Math.min(w / du, h / dv);
      const x = ((w - s * du) / 2 + (${best.u} - r.umin) * s) * dpr, y = ((h - s * dv) / 2 + (r.vmax - ${best.v}) * s) * dpr;
      const c = document.createElement("canvas");
      c.width = base.width;
      c.height = base.height;
      const ctx = c.getContext("2d");
      ctx.drawImage(base, 0, 0);
      const d = ctx.getImageData(Math.round(x) - 1, Math.round(y) - 1, 3, 3).data;
      let m = 255;
      for (let i = 0; i < d.length; i += 4) m = Math.min(m, Math.max(d[i], d[i + 1], d[i + 2]));
      return m;
    })()`)) as number;
    assert.ok(darkest < 40, `the zero-level set's pixels are black, the brightest channel there is ${darkest}`);
    // Hover: the output value at the point (as tessera eval) and one affine map f(x).
    const box = (await rpage.locator("#plot").boundingBox())!;
    await rpage.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.3);
    const text = await waitForText(rpage, "#hover", /output here: f\(x\) = /);
    assert.match(text, /^f\(x\) = .*·x1 .*·x2/m);
    const h = (await rpage.evaluate("explorer.hover()")) as { point: [number, number]; output: number[] };
    assert.deepEqual(h.output, Array.from(forward(network, h.point)));
    // tessera draw on the exported one-output network: its zero-level set is the boundary it draws.
    const svg = join(dir, "regression.svg");
    const r = await runCli(["draw", file, "--boundary", "--out", svg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(svg, "utf8"), /<svg/);
    assert.deepEqual(rerrors, []);
    await rpage.close();
  });

  it("a one-output model is trained further on a regression, and shown as it is (its zero-level set) on classification data", async () => {
    const net = randomNet(3, 2, [8, 8], 1);
    const path = join(dir, "one-output.json");
    writeFileSync(path, stringifyTesseraJson(net, { lo: Float64Array.of(-1, -1), hi: Float64Array.of(1, 1) }));
    const expected = planarPartition(net, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
    const mpage = await session.context.newPage();
    const merrors = pageErrors(mpage);
    await mpage.goto(`${session.url}?dataset=plane`);
    await shownPartition(mpage, 0);
    await mpage.setInputFiles("#model-input", path);
    await waitForText(mpage, "#message", /^loaded one-output\.json \(Tessera JSON\): 2-8-8-1 relu; training continues from its weights$/);
    assert.equal((await shownPartition(mpage, 0)).regions, expected.regions.length);
    assert.equal(Number(await mpage.textContent("#pieces")), classBoundary(expected).pieces.count);
    await stepEpochs(mpage, 1);
    await shownPartition(mpage, 1);
    await mpage.goto(`${session.url}?dataset=circle`);
    await shownPartition(mpage, 0);
    await mpage.setInputFiles("#model-input", path);
    await waitForText(mpage, "#message", /shown as it is, not trainable here: it has 1 output and the data have 2 classes/);
    assert.equal((await shownPartition(mpage, 0)).regions, expected.regions.length);
    assert.equal(Number(await mpage.textContent("#pieces")), classBoundary(expected).pieces.count);
    assert.deepEqual(merrors, []);
    await mpage.close();
  });
});

describe("tessera explore", { timeout: 180_000 }, () => {
  // The page needs Chromium; the CLI's bad-input checks below do not.
  it("serves the app and the model on 127.0.0.1 and prints the URL; the page opens the model", { skip }, async () => {
    const child = spawn(process.execPath, [join(repoRoot, "bin/tessera.mjs"), "explore", fixturePath("random-2-16-s2"), "--port", "0", "--no-open"]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /(http:\/\/127\.0\.0\.1:\d+\/\?model=model)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`exited with ${code}`)));
      });
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        await page.goto(url);
        await waitForText(page, "#message", /^loaded random-2-16-s2\.onnx \(ONNX, served by tessera explore as Tessera JSON\)/);
        const shown = await shownPartition(page, 0);
        assert.equal(shown.regions, expectedOf("random-2-16-s2").regions);
      } finally {
        await browser.close();
      }
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.on("exit", r)));
    assert.equal(code, 0);
  });

  it("bad input: a 784-input model and a bad port are one-line errors with exit code 2", async () => {
    for (const args of [["explore", fixturePath("mnist-10-12-s1"), "--no-open"], ["explore", "--port", "http", "--no-open"]]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /^tessera: /);
    }
  });
});
