/**
 * `tessera explore [MODEL] [--port P] [--no-open]`: serve the browser explorer (web/dist, built with Vite's JS API
 * when missing or older than its sources) on 127.0.0.1, print the URL, open it in the default browser, and, when a
 * model is given, serve it (any format loadModel reads, converted to Tessera JSON) at `model` for the page to load
 * through `?model=model`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { loadModel } from "../../io/load.ts";
import { stringifyTesseraJson } from "../../io/tessera-json.ts";
import { ModelError } from "../../model/validate.ts";
import { UsageError } from "../../util/errors.ts";

/**
 * The repository root, or the installed package's: the nearest directory above this module with a package.json
 * (this module is src/cli/commands/explore.ts in a clone, part of dist/bin/ in the compiled CLI).
 */
const REPO = packageRoot(fileURLToPath(new URL(".", import.meta.url)));

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return resolve(from, "../../..");
  }
}
/** The explorer's sources and its built static files. */
export const WEB_DIR = join(REPO, "web");
export const WEB_DIST = join(WEB_DIR, "dist");
/** Default port of `tessera explore`. */
export const DEFAULT_EXPLORE_PORT = 5178;
/** A lock directory without a pid file older than this is left over from a killed build and is taken over (ms). */
const STALE_LOCK_MS = 180_000;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".map": "application/json",
};

/** Modification time (ms) of a file, or Infinity when it is missing (a missing source forces a rebuild). */
function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

/**
 * Is web/dist missing, or older than one of the files it was built from? The build lists them (web/ and the core
 * modules the app imports) in dist/build-sources.json; a build without that list counts as stale. An installed
 * package ships web/dist without the explorer's sources (no web/index.html): its build is used as it is.
 */
export function explorerBuildIsStale(): boolean {
  const built = mtimeOf(join(WEB_DIST, "index.html"));
  if (built === Infinity) return true;
  if (!existsSync(join(WEB_DIR, "index.html"))) return false;
  let sources: unknown;
  try {
    sources = JSON.parse(readFileSync(join(WEB_DIST, "build-sources.json"), "utf8"));
  } catch {
    return true;
  }
  if (!Array.isArray(sources) || sources.length === 0) return true;
  return sources.some((rel) => typeof rel !== "string" || mtimeOf(join(REPO, rel)) > built);
}

/** Is the process that wrote a lock still running? */
function lockHolderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, "pid"), "utf8"));
  } catch {
    // Just created and the pid not written yet, or left half-made: alive unless it is old.
    return Date.now() - mtimeOf(lock) < STALE_LOCK_MS;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Run `fn` holding a lock directory (so concurrent builds, e.g. parallel test files, do not collide). A lock whose
 * process has died (a build killed midway) is taken over.
 */
async function withBuildLock<T>(fn: () => Promise<T>, log: (line: string) => void): Promise<T> {
  const lock = join(WEB_DIR, ".build-lock");
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (!lockHolderAlive(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) log("waiting for another build of the explorer to finish…");
      told = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Build web/dist with Vite's JS API when it is missing or stale (what `npm run build:web` does). Returns whether it
 * built. Throws UsageError when it must build and Vite is not installed.
 */
export async function ensureExplorerBuilt(log: (line: string) => void = () => {}): Promise<boolean> {
  if (!explorerBuildIsStale()) return false;
  return withBuildLock(async () => {
    if (!explorerBuildIsStale()) return false;
    let vite: typeof import("vite");
    try {
      vite = await import("vite");
    } catch {
      throw new UsageError(`${WEB_DIST} is missing or out of date and Vite is not installed: run npm install, then npm run build:web`);
    }
    log("building the explorer (web/dist) with Vite…");
    await vite.build({ configFile: join(WEB_DIR, "vite.config.ts"), logLevel: "warn" });
    return true;
  }, log);
}

/** A running explorer server. */
export interface ExplorerServer {
  /** Base URL, e.g. http://127.0.0.1:5178/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Options of {@link serveExplorer}. */
export interface ServeOptions {
  /** Directory of static files (default web/dist). */
  root?: string;
  /** Port on 127.0.0.1 (0: any free port). */
  port: number;
  /** A model to serve at `model` as Tessera JSON, with the name the page shows. */
  model?: { name: string; json: string };
}

/**
 * The Host header values the explorer answers to on `port`: the loopback names with the port (and without it on
 * port 80, where browsers leave it out). Anything else is a page reaching us through DNS rebinding, or a proxy.
 */
export function explorerHosts(port: number): Set<string> {
  const names = ["127.0.0.1", "localhost", "[::1]"];
  return new Set([...names.map((n) => `${n}:${port}`), ...(port === 80 ? names : [])]);
}

/** The percent-decoded path of a request URL, or undefined when it does not decode (`/%`, `/%ZZ`, bad UTF-8). */
function decodedPath(url: string | undefined): string | undefined {
  try {
    const path = decodeURIComponent(new URL(url ?? "/", "http://localhost").pathname);
    return path.includes("\0") ? undefined : path;
  } catch {
    return undefined;
  }
}

/**
 * Serve static files (GET and HEAD only, no directory listings, nothing outside `root`) on 127.0.0.1, plus the
 * model at `model`. Requests whose Host header is not a loopback name with this port get 421 (DNS rebinding);
 * a URL that does not percent-decode gets 400. Rejects with a UsageError when the port is taken.
 */
export function serveExplorer(opts: ServeOptions): Promise<ExplorerServer> {
  const root = resolve(opts.root ?? WEB_DIST);
  let allowedHosts = new Set<string>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // DNS rebinding: a page whose host name resolves to 127.0.0.1 sends its own name in Host; only ours are served.
    if (!allowedHosts.has((req.headers.host ?? "").toLowerCase())) {
      res.writeHead(421, { "content-type": "text/plain" }).end("this server answers only to http://127.0.0.1, localhost or [::1] with its port\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const path = decodedPath(req.url);
    if (path === undefined) {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad request: malformed URL\n");
      return;
    }
    if (path === "/model" && opts.model) {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", "x-model-name": encodeURIComponent(opts.model.name) });
      res.end(req.method === "HEAD" ? undefined : opts.model.json);
      return;
    }
    const file = normalize(join(root, path.endsWith("/") ? path + "index.html" : path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream", "cache-control": "no-cache" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  };
  const server: Server = createServer((req, res) => {
    // Nothing one request does may stop the server: an unexpected failure is that request's 500.
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end();
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new UsageError(`port ${opts.port} is in use: choose another with --port (0 picks a free one)`)
          : err.code === "EACCES"
            ? new UsageError(`port ${opts.port}: permission denied (use a port above 1023)`)
            : err,
      );
    });
    server.listen(opts.port, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : opts.port;
      allowedHosts = explorerHosts(port);
      resolvePromise({
        url: `http://127.0.0.1:${port}/`,
        port,
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}

/** Open a URL in the desktop's browser; false when no opener could be started. */
function openInBrowser(url: string): Promise<boolean> {
  const [cmd, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  return new Promise((r) => {
    try {
      const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
      child.once("error", () => r(false));
      child.once("spawn", () => {
        child.unref();
        r(true);
      });
    } catch {
      r(false);
    }
  });
}

/** Parse `--port`: an integer 0 to 65535. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) throw new UsageError(`--port "${text}": give an integer from 0 to 65535 (0 picks a free port)`);
  return port;
}

/** The model the page will load: any format loadModel reads, with 2 inputs, as Tessera JSON. */
export async function explorerModel(path: string): Promise<{ name: string; json: string }> {
  const loaded = await loadModel(path);
  if (loaded.network.inputDim !== 2) {
    throw new ModelError(`${path}: the explorer draws networks with 2 inputs, this one takes ${loaded.network.inputDim} (tessera draw --slice draws a plane of it)`);
  }
  const name = path.split(/[\\/]/).filter(Boolean).pop() ?? path;
  return { name, json: stringifyTesseraJson(loaded.network, loaded.domain, loaded.metadata) };
}

interface ExploreFlags {
  port: string;
  open: boolean;
}

/** Register `tessera explore`. */
export function registerExplore(program: Command): void {
  program
    .command("explore")
    .description("open the browser explorer: train a small network on 2-D data and watch its exact linear regions live")
    .argument("[model]", "a 2-input model to open (ONNX, TF.js model.json or directory, Tessera JSON)")
    .option("--port <port>", "port on 127.0.0.1 (0 picks a free one)", String(DEFAULT_EXPLORE_PORT))
    .option("--no-open", "print the URL without opening a browser")
    .action(async (modelPath: string | undefined, flags: ExploreFlags) => {
      const port = parsePort(flags.port);
      const model = modelPath ? await explorerModel(modelPath) : undefined;
      await ensureExplorerBuilt((line) => process.stderr.write(line + "\n"));
      const server = await serveExplorer({ port, model });
      const url = server.url + (model ? "?model=model" : "");
      process.stdout.write(`tessera explorer: ${url}\n(serving ${WEB_DIST}${model ? ` and ${modelPath}` : ""}; Ctrl-C stops)\n`);
      if (flags.open && !(await openInBrowser(url))) process.stderr.write("no browser opener found: open the URL yourself\n");
      await new Promise<void>((r) => {
        const stop = () => void server.close().then(r);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
