/**
 * Where the explorer page's main thread spends its time while a network trains and the pointer hovers the picture:
 * Chromium's sampling profiler (CDP `Profiler`) on the page for a few seconds of play, the functions with the most
 * self time (names as in the built bundle; "(program)" is native work, and on a loaded machine also time the thread
 * waited for a core), and the long tasks (over 50 ms) the page saw. Built app, headless Debian Chromium, as
 * bench/explorer.ts. To read minified names, look the function up in web/dist/assets/index-*.js.
 * Usage: node --import tsx bench/explorer-profile.ts [--widths 64,64,64] [--seconds 10] [--top 25]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { shownPartition, startExplorerSession } from "../test/web-helpers.ts";

const { values: opts } = parseArgs({ options: { widths: { type: "string", default: "64,64,64" }, seconds: { type: "string", default: "10" }, top: { type: "string", default: "25" } } });
/** Sampling interval of the profiler (µs): fine enough for tasks of a few ms, coarse enough to cost little. */
const SAMPLING_US = 200;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const session = await startExplorerSession();
try {
  const page = await session.context.newPage();
  await page.goto(`${session.url}?dataset=spiral&noise=0.1&points=400&batch=16&lr=0.01&seed=1&widths=${opts.widths}`);
  await shownPartition(page, 0);
  await page.evaluate(`window.__long = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: "longtask" });`);
  const cdp = await session.context.newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: SAMPLING_US });
  await cdp.send("Profiler.start");
  await page.click("#play");
  const box = (await page.locator("#plot").boundingBox())!;
  const end = Date.now() + Number(opts.seconds) * 1000;
  for (let i = 0; Date.now() < end; i++) {
    const t = (i * 0.137) % 1, u = (i * 0.291) % 1;
    await page.mouse.move(box.x + box.width * (0.1 + 0.8 * t), box.y + box.height * (0.1 + 0.8 * u));
    await page.waitForTimeout(50);
  }
  const { profile } = (await cdp.send("Profiler.stop")) as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
  await page.click("#play");
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const cf = byId.get(id)!.callFrame;
    const key = `${cf.functionName || "(anonymous)"} ${cf.url.split("/").pop() ?? ""}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const long = (await page.evaluate("window.__long")) as number[];
  console.log(`2-${opts.widths.replaceAll(",", "-")}-2 playing ${opts.seconds} s, pointer moving 20 times a second; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  console.log("| self ms | function (bundle:line) |\n|--:|---|");
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(opts.top))) console.log(`| ${v.toFixed(0)} | ${k} |`);
  long.sort((a, b) => a - b);
  console.log(`\nlong tasks: ${long.length}, median ${long[Math.floor(long.length / 2)]?.toFixed(0) ?? "–"} ms, longest ${long[long.length - 1]?.toFixed(0) ?? "–"} ms`);
} finally {
  await session.close();
}
