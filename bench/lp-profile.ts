/**
 * The LP profile (src/lp/profile.ts) of a sample of a fixture's tasks, in one process: every STRIDE-th task of the
 * split (a spread sample, not the first ones), with the phase times on, and the regions, LPs and pivots per LP.
 * For quick A/B of the simplex; whole counts are measured with `tessera count --profile` and `npm run bench`.
 *
 * Run: node --import tsx bench/lp-profile.ts [FIXTURE=mnist-10-12-s1] [STRIDE=16] [timed=1]
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOnnx } from "../src/io/onnx.ts";
import { RegionEnumerator } from "../src/count/engine.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { lpProfile, profileReport, setProfileTiming } from "../src/lp/profile.ts";
import { uniformBox } from "../src/model/network.ts";
import { lpBounds } from "../src/tighten/lp.ts";

const [name = "mnist-10-12-s1", strideArg = "16", timedArg = "1"] = process.argv.slice(2);
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared/fixtures");
const net = parseOnnx(new Uint8Array(readFileSync(`${fixtures}/${name}.onnx`)), name);
const highs = await loadHighs();
const box = uniformBox(net.inputDim, 0, 1);
const bounds = lpBounds(net, box, highs);
const e = new RegionEnumerator(net, { box, bounds, exact: highsMarginSolver(highs) });
const all = e.splitTasks().tasks;
const stride = Number(strideArg);
const tasks = all.filter((_, i) => i % stride === 0);
lpProfile.fill(0);
const timed = timedArg === "1";
setProfileTiming(timed);
const t0 = performance.now(), c0 = process.cpuUsage();
let regions = 0;
const lps0 = e.stats.lps, amb0 = e.stats.ambiguous, fail0 = e.stats.lpFailures;
for (const task of tasks) regions += e.runTask(task);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const report = profileReport(lpProfile, timed);
console.log(JSON.stringify({ fixture: name, tasks: tasks.length, of: all.length, regions, lps: e.stats.lps - lps0, ambiguous: e.stats.ambiguous - amb0, lpFailures: e.stats.lpFailures - fail0, seconds: Number(seconds.toFixed(3)), cpuSeconds: Number(cpuSeconds.toFixed(3)), usPerRegion: Math.round((1e6 * seconds) / regions), cpuUsPerRegion: Math.round((1e6 * cpuSeconds) / regions), usPerPivot: Number(((1e6 * cpuSeconds) / Math.max(1, lpProfile[1])).toFixed(2)), profile: report }, null, 1));
