/**
 * Explorer speed in headless Chromium (the built app, driven by playwright-core), the targets of issue 31:
 *   - 2-8-8-2, 2-64-64-64-2 and 2-256-256-2 trained on the spiral set (TF.js backend chosen by size): play for a few
 *     seconds (2-256-256-2: one stepped epoch, its ≈40,000 regions) and report
 *   - training: epochs trained and the median ms per epoch (the worker's own measure);
 *   - the exact picture: the partition worker's time (planarPartition + classBoundary) per epoch, the canvas redraw,
 *     and the whole cycle from the page's request to the picture drawn (median and 95th percentile);
 *   - responsiveness of the page while training: gaps between animation frames (median, 95th percentile, longest,
 *     and the share of frames later than 50 ms), and the CPU time of the page's main thread as a share of wall time
 *     (Chromium's ThreadTime metric): what the page itself costs, apart from waiting for a core on a loaded machine.
 *   - hover: from the pointer event's timestamp to the next frame after the page handled it, while training;
 *   - a settings change on 2-8-8-2 (a new seed: a new network) to its new picture on screen, measured in the page from
 *     the change event to the first frame after the picture is shown, and from Node through playwright.
 * With --screenshot FILE it writes the documentation screenshot of the 2-256-256-2 picture at epoch 1.
 * With --regression FILE it writes the documentation screenshot of a regression (multi-Gaussian, 2-16-16-16-1) after
 * 60 epochs, and with --only none it measures nothing else.
 * With --split never|always the page is opened with that `?split=` (default: auto, two workers for 256 units or more).
 * Usage: node --import tsx bench/explorer.ts [--seconds S] [--only 8,8|64,64,64|256,256|none] [--split auto|always|never] [--screenshot docs/img/explorer-large.png] [--regression docs/img/explorer-regression.png]
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { CDPSession, Page } from "playwright-core";
import { currentRun, shownPartition, startExplorerSession } from "../test/web-helpers.ts";

const { values: opts } = parseArgs({ options: { seconds: { type: "string", default: "8" }, only: { type: "string" }, split: { type: "string" }, screenshot: { type: "string" }, regression: { type: "string" } } });
const seconds = Number(opts.seconds);

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const f = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : x.toFixed(0)) : "–");

interface Hooks {
  timings: { run: number; epoch: number; regions: number; partitionMs: number; cycleMs: number; drawMs: number; skipped: number; joinMs?: number; composeMs?: number; showMs?: number }[];
  epochTimes: number[];
}

/**
 * Animation-frame gaps (ms) measured in the page for `ms` milliseconds. Passed as source text: tsx would wrap a
 * function's named inner functions in a helper the page does not have.
 */
function frameGaps(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(`new Promise((resolve) => {
    const gaps = [];
    let last = performance.now();
    const end = last + ${ms};
    const tick = (t) => {
      gaps.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(tick);
      else resolve(gaps);
    };
    requestAnimationFrame(tick);
  })`);
}

/** Chromium's CPU time of the page's main thread (CDP Performance.getMetrics ThreadTime, seconds) and wall time. */
async function mainThreadTimes(cdp: CDPSession): Promise<{ thread: number; wall: number }> {
  const { metrics } = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
  return { thread: get("ThreadTime"), wall: get("Timestamp") };
}

/** Record, in the page, pointer event → next frame after its handler (ms) for every pointermove on the picture. */
const HOVER_PROBE = `window.__hover = []; document.getElementById("plot").addEventListener("pointermove", (e) => {
  const ts = e.timeStamp;
  requestAnimationFrame(() => window.__hover.push(performance.now() - ts));
});`;

/**
 * Record, in the page, every settings change of the seed: from the change event's timestamp to the new run's picture
 * shown (#regions gets the new run) and to the next animation frame, when it is on screen.
 */
const SETTINGS_PROBE = `window.__settings = []; document.getElementById("seed").addEventListener("change", (e) => { window.__change = e.timeStamp; }, { capture: true });
new MutationObserver(() => {
  const t = performance.now(), t0 = window.__change;
  if (t0 === undefined) return;
  window.__change = undefined;
  requestAnimationFrame(() => window.__settings.push({ shown: t - t0, frame: performance.now() - t0 }));
}).observe(document.getElementById("regions"), { attributes: true, attributeFilter: ["data-run"] });`;

/** Move the pointer over the picture for `ms` milliseconds (a path across it, 20 moves a second). */
async function wander(page: Page, ms: number): Promise<void> {
  const box = (await page.locator("#plot").boundingBox())!;
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    const t = (i * 0.137) % 1, u = (i * 0.291) % 1;
    await page.mouse.move(box.x + box.width * (0.1 + 0.8 * t), box.y + box.height * (0.1 + 0.8 * u));
    await page.waitForTimeout(50);
  }
}

const session = await startExplorerSession();
const rows: string[] = [];
const notes: string[] = [];
const row = (cells: (string | number)[]) => rows.push(`| ${cells.join(" | ")} |`);
const spiral = "dataset=spiral&noise=0.1&points=400&batch=16&lr=0.01&seed=1";
try {
  for (const widths of ["8,8", "64,64,64", "256,256"]) {
    if (opts.only && opts.only !== widths) continue;
    const name = `2-${widths.replaceAll(",", "-")}-2`;
    const page = await session.context.newPage();
    await page.goto(`${session.url}?${spiral}&widths=${widths}${opts.split ? `&split=${opts.split}` : ""}`);
    await shownPartition(page, 0);
    await page.evaluate(HOVER_PROBE);
    const cdp = await session.context.newCDPSession(page);
    await cdp.send("Performance.enable");
    let gaps: number[], busy: number;
    if (widths === "256,256") {
      // One epoch: its partition is the ≈40,000-region picture (epoch 0 is Glorot's zero biases: lines through 0).
      const t0 = await mainThreadTimes(cdp);
      await page.click("#step");
      const [g] = await Promise.all([frameGaps(page, 1000), wander(page, 1000)]);
      await shownPartition(page, 1);
      const t1 = await mainThreadTimes(cdp);
      gaps = g;
      busy = (t1.thread - t0.thread) / (t1.wall - t0.wall);
    } else {
      await page.click("#play");
      const t0 = await mainThreadTimes(cdp);
      const [g] = await Promise.all([frameGaps(page, seconds * 1000), wander(page, seconds * 1000)]);
      const t1 = await mainThreadTimes(cdp);
      await page.click("#play");
      gaps = g;
      busy = (t1.thread - t0.thread) / (t1.wall - t0.wall);
    }
    const hover = (await page.evaluate("window.__hover")) as number[];
    const hooks = (await page.evaluate("({ timings: explorer.timings.slice(), epochTimes: explorer.epochTimes.slice() })")) as Hooks;
    const t = hooks.timings.filter((x) => x.epoch > 0);
    const regions = t.map((x) => x.regions);
    const skipped = t.reduce((s, x) => s + x.skipped, 0);
    const backend = (await page.evaluate("explorer.state().backend")) as string;
    row([
      name, backend, hooks.epochTimes.length, f(quantile(hooks.epochTimes, 0.5)), t.length, skipped,
      regions.length ? `${Math.min(...regions)}–${Math.max(...regions)}` : "–",
      `${f(quantile(t.map((x) => x.partitionMs), 0.5))} / ${f(quantile(t.map((x) => x.partitionMs), 0.95))}`,
      f(quantile(t.map((x) => x.drawMs), 0.5)),
      `${f(quantile(t.map((x) => x.cycleMs), 0.5))} / ${f(quantile(t.map((x) => x.cycleMs), 0.95))}`,
      `${f(quantile(gaps, 0.5))} / ${f(quantile(gaps, 0.95))} / ${f(Math.max(...gaps))}`,
      `${f(quantile(hover, 0.5))} / ${f(quantile(hover, 0.95))}`,
      `${(100 * busy).toFixed(0)} %`,
    ]);
    process.stderr.write(rows[rows.length - 1] + "\n");
    if (widths === "256,256") {
      // Where the time from request to picture goes (the last picture): the strips' partition (the slower of the two
      // workers, with its class boundary and packing), the page's join of the strips, the workers' paint, putting the
      // two bitmaps together, and showing it (hover index, numbers); the rest is messages and waiting for a core.
      const x = t[t.length - 1];
      const split = (await page.evaluate("explorer.partitions()")) as { split: number; splitFallbacks: number };
      if (x) {
        const rest = x.cycleMs - x.partitionMs - x.drawMs - (x.composeMs ?? 0);
        notes.push(`${name} epoch 1, ${split.split} view(s) split between two workers (${split.splitFallbacks} fell back to one): request → answer ${f(x.cycleMs)} ms = partition of the slower strip + join ${f(x.partitionMs)} (join on the page ${f(x.joinMs ?? NaN)}) + paint ${f(x.drawMs)} + compose ${f(x.composeMs ?? NaN)} + messages and waiting ${f(rest)}; then showing it on the page ${f(x.showMs ?? NaN)} ms`);
      }
    }
    if (widths === "8,8") {
      // A settings change (a new seed, so a new network) to its picture on screen, 8 times. Measured in the page
      // (SETTINGS_PROBE): from the change event's timestamp to the first frame after the new run's picture is shown;
      // and, as before, from Node (typing, the event and the polling of playwright included).
      await page.evaluate(SETTINGS_PROBE);
      const changes: number[] = [];
      for (let seed = 2; seed <= 9; seed++) {
        const run = await currentRun(page);
        const t0 = Date.now();
        await page.fill("#seed", String(seed));
        await page.press("#seed", "Enter");
        await page.waitForSelector(`#regions[data-epoch="0"][data-run="${run + 1}"]`, { timeout: 30_000 });
        await page.evaluate("new Promise((r) => requestAnimationFrame(() => r()))");
        changes.push(Date.now() - t0);
        await page.waitForTimeout(200);
      }
      const inPage = (await page.evaluate("window.__settings")) as { shown: number; frame: number }[];
      const frames = inPage.map((x) => x.frame);
      notes.push(`2-8-8-2 settings change (new seed) → new picture on screen, in the page (change event → first frame with it): median ${f(quantile(frames, 0.5))} ms, max ${f(Math.max(...frames))} ms (${frames.map(f).join(", ")}); from Node through playwright: median ${f(quantile(changes, 0.5))} ms (${changes.join(", ")})`);
    }
    if (widths === "256,256" && opts.screenshot) {
      await page.mouse.move(0, 0);
      await page.waitForTimeout(400);
      await page.screenshot({ path: opts.screenshot });
      notes.push(`wrote ${opts.screenshot}: ${name}, epoch 1, ${regions[regions.length - 1]} regions`);
    }
    await page.close();
  }
  if (opts.regression) {
    const page = await session.context.newPage();
    await page.goto(`${session.url}?dataset=multigauss&noise=0&points=400&widths=16,16,16&seed=2&lr=0.01&batch=10`);
    await shownPartition(page, 0);
    await page.click("#play");
    // The epoch shown is written once a frame, so wait on the page's state (epoch 60 may never be on screen).
    await page.waitForFunction("explorer.state().epoch >= 60", undefined, { timeout: 300_000 });
    await page.click("#play");
    const epoch = Number(await page.getAttribute("#epoch", "data-epoch"));
    const shown = await shownPartition(page, epoch);
    await page.mouse.move(0, 0);
    await page.waitForTimeout(400);
    await page.screenshot({ path: opts.regression });
    notes.push(`wrote ${opts.regression}: multigauss regression, 2-16-16-16-1, epoch ${epoch}, ${shown.regions} regions, ${await page.textContent("#pieces")} zero-level-set pieces, train MSE ${await page.textContent("#train-metrics")}`);
    await page.close();
  }
  console.log(`Chromium (headless, no GPU), ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; spiral, 400 points (200 train), batch 16, Adam 0.01, seed 1; ${seconds} s of play per row (2-256-256-2: one stepped epoch), the pointer moving over the picture 20 times a second.\n`);
  console.log("| network | backend | epochs | ms/epoch | pictures | epochs skipped | regions in view | partition ms (median / p95) | paint ms | request → painted ms (median / p95) | frame gap ms (median / p95 / max) | hover → frame ms (median / p95) | main thread CPU |");
  console.log("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const r of rows) console.log(r);
  for (const n of notes) console.log(`\n${n}`);
} finally {
  await session.close();
}
