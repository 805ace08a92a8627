/**
 * Driving the built explorer in Debian's Chromium for the end-to-end tests and bench/explorer.ts: build web/dist if
 * it is missing or stale, serve it from a sub-path with a tiny static server (so the relative base is exercised as on
 * any static host), and launch headless Chromium through playwright-core with a fresh profile.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ensureExplorerBuilt, WEB_DIST } from "../src/cli/commands/explore.ts";

/** Debian's Chromium (installed by .ci/run; playwright downloads no browser here). */
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** The one line a browser test gives when Chromium is missing. */
export const CHROMIUM_HINT = "install chromium: apt-get install chromium";

/**
 * Why browser tests cannot run here (Chromium missing), or false when they can. Locally they are skipped with
 * {@link CHROMIUM_HINT}; with CI=true a missing browser is a failure (see {@link requireChromiumInCi}).
 */
export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : CHROMIUM_HINT;
}

/** In CI (CI=true) a missing Chromium fails at once with one line, instead of skipping. */
export function requireChromiumInCi(it: (name: string, fn: () => void) => unknown): void {
  if (chromiumMissing() && process.env.CI === "true") {
    it("Chromium is installed", () => {
      const err = new Error(CHROMIUM_HINT);
      err.stack = CHROMIUM_HINT;
      throw err;
    });
  }
}

/** The sub-path the test server puts the app under. */
export const SUB_PATH = "/static/host/explorer/";

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };

/** A static server of web/dist at {@link SUB_PATH} on 127.0.0.1 (a free port). */
export async function serveDistAtSubPath(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (!path.startsWith(SUB_PATH)) return void res.writeHead(404).end();
    const rel = path.slice(SUB_PATH.length) || "index.html";
    const file = normalize(join(WEB_DIST, rel));
    if (!file.startsWith(WEB_DIST + sep)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${SUB_PATH}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Headless Chromium with a fresh profile directory (removed on close). */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "tessera-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
    // Never hang on a browser that does not start.
    timeout: 60_000,
  }).catch((err: unknown) => {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Everything a browser test needs: the built app served at a sub-path and a browser. */
export async function startExplorerSession(): Promise<{ url: string; context: BrowserContext; close: () => Promise<void> }> {
  await ensureExplorerBuilt();
  const server = await serveDistAtSubPath();
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  try {
    browser = await launchChromium();
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    url: server.url,
    context: browser.context,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Collect uncaught page errors (a test asserts there are none). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

/** The training run the page is on (it grows by one at every reset). */
export async function currentRun(page: Page): Promise<number> {
  return Number(await page.getAttribute("#epoch", "data-run"));
}

/** Wait until the page shows the partition of the given epoch of the current run; its region count and rectangle. */
export async function shownPartition(page: Page, epoch: number): Promise<{ regions: number; rect: { umin: number; umax: number; vmin: number; vmax: number } }> {
  const run = await currentRun(page);
  await page.waitForSelector(`#regions[data-epoch="${epoch}"][data-run="${run}"]`, { timeout: 30_000 });
  const text = (await page.textContent("#regions")) ?? "";
  const rect = JSON.parse((await page.getAttribute("#regions", "data-rect")) ?? "null");
  return { regions: Number(text.replace(/,/g, "")), rect };
}

/** Poll an element's text until it matches `pattern` (returns the text; throws with the last text on timeout). */
export async function waitForText(page: Page, selector: string, pattern: RegExp, timeout = 30_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const text = (await page.textContent(selector)) ?? "";
    if (pattern.test(text)) return text;
    if (Date.now() - t0 > timeout) throw new Error(`${selector}: waited ${timeout} ms for ${pattern}, the text is "${text}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Train `n` epochs with the Step button, one at a time, waiting for each epoch's report. */
export async function stepEpochs(page: Page, n: number): Promise<void> {
  const start = Number(await page.getAttribute("#epoch", "data-epoch"));
  for (let e = start + 1; e <= start + n; e++) {
    await page.click("#step");
    await page.waitForSelector(`#epoch[data-epoch="${e}"]`, { timeout: 30_000 });
  }
}
