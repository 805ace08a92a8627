/**
 * Explorer speed in headless Chromium (the built app, driven by playwright-core): for a 2-8-8-2 and a 2-32-32-32-2
 * network trained on the spiral set, on TF.js's cpu and wasm backends, it plays training for a few seconds and reports
 *   - training: epochs trained and the median ms per epoch (the worker's own measure);
 *   - the exact picture: the partition worker's time (planarPartition + classBoundary) per epoch, the canvas redraw,
 *     and the whole cycle from the page's request to the picture drawn (median and 95th percentile);
 *   - responsiveness of the page while training: gaps between animation frames (median, 95th percentile, longest,
 *     and the share of frames later than 50 ms), and the CPU time of the page's main thread as a share of wall time
 *     (Chromium's ThreadTime metric): what the page itself costs, apart from waiting for a core on a loaded machine.
 * With --screenshot FILE it then trains a spiral network to mid-training and writes the documentation screenshot.
 * Usage: node --import tsx bench/explorer.ts [--seconds S] [--screenshot docs/img/explorer.png]
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { CDPSession, Page } from "playwright-core";
import { currentRun, shownPartition, startExplorerSession, stepEpochs, waitForText } from "../test/web-helpers.ts";

const { values: opts } = parseArgs({ options: { seconds: { type: "string", default: "8" }, screenshot: { type: "string" } } });
const seconds = Number(opts.seconds);

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const f = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : x.toFixed(0)) : "–");

interface Hooks {
  timings: { epoch: number; regions: number; partitionMs: number; cycleMs: number; drawMs: number }[];
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

const session = await startExplorerSession();
const rows: string[] = [];
try {
  for (const widths of ["8,8", "32,32,32"]) {
    for (const backend of ["cpu", "wasm"]) {
      const page = await session.context.newPage();
      await page.goto(`${session.url}?dataset=spiral&noise=0.1&points=400&widths=${widths}&batch=16&lr=0.01&seed=1&backend=${backend}`);
      await shownPartition(page, 0);
      const cdp = await session.context.newCDPSession(page);
      await cdp.send("Performance.enable");
      await page.click("#play");
      const t0 = await mainThreadTimes(cdp);
      const gaps = await frameGaps(page, seconds * 1000);
      const t1 = await mainThreadTimes(cdp);
      await page.click("#play");
      const busy = (t1.thread - t0.thread) / (t1.wall - t0.wall);
      const hooks = (await page.evaluate("({ timings: explorer.timings.slice(), epochTimes: explorer.epochTimes.slice() })")) as Hooks;
      const t = hooks.timings.filter((x) => x.epoch > 0);
      const regions = t.map((x) => x.regions);
      const late = gaps.filter((g) => g > 50).length / Math.max(1, gaps.length);
      rows.push(
        `| 2-${widths.replaceAll(",", "-")}-2 | ${backend} | ${hooks.epochTimes.length} | ${f(quantile(hooks.epochTimes, 0.5))} | ${t.length} | ` +
          `${Math.min(...regions)}–${Math.max(...regions)} | ${f(quantile(t.map((x) => x.partitionMs), 0.5))} / ${f(quantile(t.map((x) => x.partitionMs), 0.95))} | ` +
          `${f(quantile(t.map((x) => x.drawMs), 0.5))} | ${f(quantile(t.map((x) => x.cycleMs), 0.5))} / ${f(quantile(t.map((x) => x.cycleMs), 0.95))} | ` +
          `${f(quantile(gaps, 0.5))} / ${f(quantile(gaps, 0.95))} / ${f(Math.max(...gaps))} | ${(100 * late).toFixed(1)} % | ${(100 * busy).toFixed(0)} % |`,
      );
      process.stderr.write(rows[rows.length - 1] + "\n");
      await page.close();
    }
  }
  console.log(`Chromium (headless, no GPU), ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; spiral, 400 points (200 train), batch 16, Adam 0.01; ${seconds} s of play per row.\n`);
  console.log("| network | backend | epochs | ms/epoch | partitions drawn | regions in view | partition ms (median / p95) | draw ms | request → drawn ms (median / p95) | frame gap ms (median / p95 / max) | frames > 50 ms | main thread CPU |");
  console.log("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const r of rows) console.log(r);

  if (opts.screenshot) {
    const page = await session.context.newPage();
    await page.setViewportSize({ width: 1400, height: 960 });
    await page.goto(`${session.url}?dataset=spiral&noise=0.05&points=500&widths=16,16,16&batch=16&lr=0.01&seed=2`);
    await shownPartition(page, 0);
    await stepEpochs(page, 1);
    // Mid-training: 18 epochs, when the boundary is still wrapping itself around the arms.
    await stepEpochs(page, 17);
    const epoch = 18;
    await shownPartition(page, epoch);
    await page.hover("#diagram circle.unit >> nth=20");
    await waitForText(page, "#unit-info", /bent hyperplane/);
    await page.waitForTimeout(400); // charts refresh at most every 250 ms
    await page.screenshot({ path: opts.screenshot });
    console.log(`\nwrote ${opts.screenshot} (run ${await currentRun(page)}, epoch ${epoch})`);
  }
} finally {
  await session.close();
}
