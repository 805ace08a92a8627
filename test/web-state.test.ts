/**
 * The explorer's state in Chromium, one test per problem of issue 31: a newer request cancels a partition in flight
 * (generation numbers), the region history never takes a point of another run, `?lr=0.05` is honoured and any URL
 * value is checked with a one-line error, the URL is written as the state changes, settings that keep the network
 * apply without a reset, an invalid widths entry stops training, and the view refits when the data or model change.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Download, Page } from "playwright-core";
import { planarPartition } from "../src/geometry/partition.ts";
import { loadModel } from "../src/io/load.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";
import { chromiumMissing, currentRun, pageErrors, requireChromiumInCi, shownPartition, startExplorerSession, stepEpochs, waitForText } from "./web-helpers.ts";

const skip = chromiumMissing();
requireChromiumInCi(it);
const dir = mkdtempSync(join(tmpdir(), "tessera-web-state-"));

interface PageState {
  run: number;
  epoch: number;
  playing: boolean;
  shownEpoch?: number;
  shownRun?: number;
  invalid: string | null;
  learningRate?: number;
  view: { umin: number; umax: number; vmin: number; vmax: number };
}
const stateOf = (page: Page) => page.evaluate("explorer.state()") as Promise<PageState>;

/** Poll until `check` holds (returns its last value; throws with `what` after `timeout` ms). */
async function until<T>(what: string, get: () => Promise<T>, check: (v: T) => boolean, timeout = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await get();
    if (check(v)) return v;
    if (Date.now() - t0 > timeout) throw new Error(`waited ${timeout} ms for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exportJson(page: Page): Promise<string> {
  const [download]: [Download, void] = await Promise.all([page.waitForEvent("download"), page.click("#export-json")]);
  const path = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return path;
}

async function setControl(page: Page, id: string, value: string): Promise<void> {
  await page.fill(id, value);
  await page.press(id, "Enter");
}

describe("explorer state in Chromium (issue 31)", { timeout: 180_000, skip }, () => {
  let session: Awaited<ReturnType<typeof startExplorerSession>>;
  let page: Page;
  let errors: string[];

  before(async () => {
    session = await startExplorerSession();
    page = await session.context.newPage();
    errors = pageErrors(page);
  });
  after(async () => {
    await session?.close();
  });

  it("?lr=0.05 (not a preset) is the learning rate the training uses; the export records it", async () => {
    await page.goto(`${session.url}?lr=0.05&widths=6&seed=4`);
    await shownPartition(page, 0);
    assert.equal(await page.inputValue("#lr"), "0.05");
    assert.equal((await stateOf(page)).learningRate, 0.05);
    await stepEpochs(page, 1);
    await shownPartition(page, 1);
    const net = await loadModel(await exportJson(page));
    assert.equal(net.metadata?.learningRate, 0.05);
  });

  it("a URL value out of range or malformed is one line naming it, and the rest of the URL still applies", async () => {
    await page.goto(`${session.url}?lr=abc&widths=5,3&batch=0`);
    const message = await waitForText(page, "#message", /^URL /);
    assert.equal(message, 'URL lr=abc: learning rate must be a number from 0.00001 to 10, got "abc" (and 1 more problem in the URL)');
    assert.equal(await page.inputValue("#lr"), "0.01");
    assert.equal(await page.inputValue("#widths"), "5, 3");
    await shownPartition(page, 0);
  });

  it("the URL is written as the state changes (settings and view) and reproduces the picture", async () => {
    await page.goto(`${session.url}?widths=6,6&seed=9`);
    await shownPartition(page, 0);
    await setControl(page, "#lr", "0.2");
    await page.selectOption("#dataset", "xor");
    await shownPartition(page, 0);
    const box = (await page.locator("#plot").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4);
    await page.mouse.wheel(0, -300);
    const search = await until("the URL to hold the zoomed view", () => page.evaluate("location.search") as Promise<string>, (s) => /view=/.test(s) && !/view=-1,1,-1,1/.test(s));
    assert.match(search, /[?&]dataset=xor(&|$)/);
    assert.match(search, /[?&]lr=0\.2(&|$)/);
    assert.match(search, /[?&]widths=6,6(&|$)/);
    assert.match(search, /[?&]seed=9(&|$)/);
    const view = (await stateOf(page)).view;
    await shownPartition(page, 0);
    const shown = await until("the zoomed picture", () => page.getAttribute("#regions", "data-rect"), (r) => r === JSON.stringify(view));
    const regions = await page.textContent("#regions");
    // The address alone gives the same picture in a fresh page.
    const again = await session.context.newPage();
    await again.goto(`${session.url}${search}`);
    const copy = await shownPartition(again, 0);
    assert.equal(JSON.stringify(copy.rect), shown);
    assert.equal(String(copy.regions), regions!.replace(/,/g, ""));
    await again.close();
  });

  it("learning rate, batch size, optimizer and regularisation apply without a reset (same run, epochs go on)", async () => {
    await page.goto(`${session.url}?widths=6&seed=2`);
    await shownPartition(page, 0);
    await stepEpochs(page, 2);
    const run = await currentRun(page);
    await setControl(page, "#lr", "0.003");
    await setControl(page, "#batch", "8");
    await page.selectOption("#optimizer", "sgd");
    await page.selectOption("#regularization", "l2");
    await setControl(page, "#reg-rate", "0.01");
    await stepEpochs(page, 1);
    const s = await stateOf(page);
    assert.equal(s.run, run);
    assert.equal(s.epoch, 3);
    assert.equal(s.learningRate, 0.003);
    const net = await loadModel(await exportJson(page));
    assert.deepEqual([net.metadata?.batchSize, net.metadata?.optimizer, net.metadata?.regularization, net.metadata?.regularizationRate], [8, "sgd", "l2", 0.01]);
  });

  it("an invalid widths entry stops training and says so in one line; fixing it trains the new network", async () => {
    await page.goto(`${session.url}?widths=4&seed=1`);
    await shownPartition(page, 0);
    await page.click("#play");
    await until("training to run", () => stateOf(page), (s) => s.epoch >= 2);
    await setControl(page, "#widths", "8, abc");
    const message = await waitForText(page, "#message", /hidden widths/);
    assert.equal(message, 'hidden widths "8, abc": give 1 to 8 integers from 1 to 256, e.g. 8, 8 (training stopped until it is fixed)');
    await page.waitForSelector("#play:disabled", { timeout: 5_000 });
    const stopped = await until("training to stop", () => stateOf(page), (s) => !s.playing);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await stateOf(page)).epoch, stopped.epoch, "no epoch trained after the invalid entry");
    await setControl(page, "#widths", "3, 3");
    await shownPartition(page, 0);
    await page.waitForSelector("#play:enabled", { timeout: 5_000 });
    await page.waitForSelector('#diagram svg[data-signature="2|3:relu,3:relu,2:identity"]', { timeout: 5_000 });
  });

  it("the view refits on new data: a CSV's box, then the circle set's square; an ONNX after a CSV shows its known count", async () => {
    await page.goto(`${session.url}?widths=4`);
    await shownPartition(page, 0);
    const rows = ["x,y,label"];
    for (let i = 0; i < 30; i++) rows.push(`${3 + (i % 6)},${10 + 2 * Math.floor(i / 6)},${i % 3}`);
    const csv = join(dir, "far.csv");
    writeFileSync(csv, rows.join("\n") + "\n");
    await page.setInputFiles("#csv-input", csv);
    await waitForText(page, "#data-info", /^far\.csv:/);
    const far = await shownPartition(page, 0);
    assert.ok(far.rect.umin >= 2 && far.rect.umax <= 9 && far.rect.vmin >= 9 && far.rect.vmax <= 20, JSON.stringify(far.rect));
    await page.selectOption("#dataset", "circle");
    const circle = await shownPartition(page, 0);
    assert.deepEqual(circle.rect, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
    await page.setInputFiles("#csv-input", csv);
    await shownPartition(page, 0);
    await page.setInputFiles("#model-input", fixturePath("random-2-32-32-s5"));
    await waitForText(page, "#message", /^loaded random-2-32-32-s5\.onnx/);
    const onnx = await shownPartition(page, 0);
    assert.deepEqual(onnx.rect, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
    assert.equal(onnx.regions, expectedOf("random-2-32-32-s5").regions);
  });

  it("+/− buttons change layers and units; clicking a region opens the inspector; the legend names the classes", async () => {
    await page.goto(`${session.url}?widths=8,8&seed=5&dataset=xor`);
    await shownPartition(page, 0);
    let run = await currentRun(page);
    await page.click('#layer-buttons span[data-layer="1"] button:has-text("+")');
    await page.waitForSelector(`#epoch[data-run="${run + 1}"]`);
    assert.equal(await page.inputValue("#widths"), "9, 8");
    run = await currentRun(page);
    await page.click('#layer-count button:has-text("+ layer")');
    await page.waitForSelector(`#epoch[data-run="${run + 1}"]`);
    assert.equal(await page.inputValue("#widths"), "9, 8, 8");
    await until("the URL to hold the new widths", () => page.evaluate("location.search") as Promise<string>, (q) => /[?&]widths=9,8,8(&|$)/.test(q));
    await stepEpochs(page, 2);
    const shown = await shownPartition(page, 2);
    const box = (await page.locator("#plot").boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
    const text = await waitForText(page, "#inspector", /^region \d+ of \d+ · epoch 2/);
    assert.match(text, new RegExp(`of ${shown.regions} · epoch 2\n`));
    assert.match(text, /area [\d.e-]+ \([\d.e-]+ % of the view\) · \d+ vertices · \d+ neighbouring regions?/);
    assert.match(text, /layer 1: [01]{9} {3}layer 2: [01]{8} {3}layer 3: [01]{8}/);
    assert.match(text, /f2\(x\) = /);
    assert.match(text, /layer \d unit \d+ → region \d+/);
    assert.equal(await page.locator("#hover").textContent().then((t) => /region \d+ of/.test(t ?? "")), true);
    // Click a unit of layer 2: its output over the view, drawn per region, with its scale.
    await page.click('#diagram circle.unit[data-unit="10"]');
    await page.waitForSelector("#unit-output:not([hidden])");
    assert.match((await page.textContent("#unit-output-info"))!, /^layer 2, unit 2: its output over the view \(epoch 2\), exact per region\./);
    assert.equal(await page.getAttribute("#unit-output-info", "data-unit"), "10");
    await page.click('#diagram circle.unit[data-unit="10"]');
    await page.waitForSelector("#unit-output[hidden]", { state: "attached" });
    assert.match((await page.textContent("#legend"))!, /predicted same sign.*predicted opposite signs.*class boundary/);
    // "discretize output" off: the worker repaints the same partition shaded by the logit margin.
    const before = await page.screenshot({ clip: box });
    await page.uncheck("#discretize");
    await page.waitForSelector("#timing[data-paint-ms]");
    await waitForText(page, "#legend", /logit margin f1 − f2: opposite signs ← 0 → same sign/);
    await until("the shaded picture", () => page.screenshot({ clip: box }), (shot) => !shot.equals(before), 10_000);
    assert.equal(await page.getAttribute("#regions", "data-epoch"), "2", "a repaint, not a new partition");
    await page.check("#discretize");
    await page.mouse.move(box.x + 20, box.y + 20);
    await waitForText(page, "#hover", /region \d+ of/);
    await page.mouse.move(box.x - 40, box.y + 10);
    await waitForText(page, "#hover", /^Hover a region/);
  });

  it("pinning epoch 2 and training to epoch 5 counts the regions born and gone exactly as the two exported networks' partitions do", async () => {
    await page.goto(`${session.url}?widths=8,8&seed=3&dataset=spiral&lr=0.03`);
    await shownPartition(page, 0);
    await stepEpochs(page, 2);
    await shownPartition(page, 2);
    const early = await loadModel(await exportJson(page));
    await page.click("#pin");
    await page.waitForSelector("#compare:not([hidden])");
    await stepEpochs(page, 3);
    const shown = await shownPartition(page, 5);
    const late = await loadModel(await exportJson(page));
    await until("the comparison of epochs 2 and 5", () => page.getAttribute("#compare-text", "data-epochs"), (e) => e === "2,5");
    const patterns = (net: typeof early) => new Set(planarPartition(net.network, shown.rect).regions.map((r) => Array.from(r.pattern).join("")));
    const a = patterns(early), b = patterns(late);
    const kept = [...b].filter((k) => a.has(k)).length;
    assert.equal(Number(await page.getAttribute("#compare-text", "data-born")), b.size - kept);
    assert.equal(Number(await page.getAttribute("#compare-text", "data-gone")), a.size - kept);
    assert.equal(Number(await page.getAttribute("#compare-text", "data-kept")), kept);
    assert.match((await page.textContent("#compare-text"))!, new RegExp(`^left: epoch 2, ${a.size} regions · now: epoch 5, ${b.size} regions`));
  });

  it("a new network cancels the partition in flight: 2-256-256-2's epoch 1, then 8, 8 shows the new network, and the history holds no foreign epochs", async () => {
    await page.goto(`${session.url}?widths=256,256&dataset=spiral&seed=1`);
    await shownPartition(page, 0);
    const bigRun = await currentRun(page);
    await page.click("#step");
    await until("epoch 1's partition to be in flight", () => page.evaluate("explorer.partitions()") as Promise<{ busy: number | null }>, (p) => p.busy === 1);
    assert.match((await page.textContent("#computing"))!, /^computing epoch 1…$/);
    assert.equal(await page.getAttribute("#picture-status", "data-state"), "computing");
    assert.match((await page.textContent("#picture-status"))!, /^picture of epoch 0; computing epoch 1/);
    await setControl(page, "#widths", "8, 8");
    const run = await currentRun(page);
    assert.equal(run, bigRun + 1);
    const first = await shownPartition(page, 0);
    const p = (await page.evaluate("explorer.partitions()")) as { cancelled: number };
    assert.ok(p.cancelled >= 1, "the 2-256-256-2 partition was cancelled");
    await page.waitForSelector('#diagram svg[data-signature="2|8:relu,8:relu,2:identity"]', { timeout: 5_000 });
    const net = await loadModel(await exportJson(page));
    assert.deepEqual(net.network.layers.map((l) => l.outDim), [8, 8, 2]);
    assert.equal(planarPartition(net.network, first.rect).regions.length, first.regions);
    await stepEpochs(page, 3);
    await shownPartition(page, 3);
    const h = (await page.evaluate("explorer.history()")) as { run: number; regionEpochs: number[] };
    assert.equal(h.run, run);
    assert.deepEqual(h.regionEpochs, [0, 1, 2, 3]);
    assert.equal(await page.getAttribute("#picture-status", "data-state"), "current");
    assert.deepEqual(errors, []);
  });
});
