/** A throw-away Redis server and `tessera worker` processes for the distributed tests. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { repoRoot } from "./helpers/fixtures.ts";

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before Redis takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The one line a suite that needs Redis gives when redis-server is missing. */
export const REDIS_MISSING = "redis-server is not installed: apt-get install redis-server (the queue tests start their own server)";

/** Is `redis-server` on the PATH and runnable? */
export function redisServerInstalled(): boolean {
  const r = spawnSync("redis-server", ["--version"], { stdio: "ignore", timeout: 10_000 });
  return r.error === undefined && r.status === 0;
}

/** Running in CI (`CI=true`, as GitHub Actions and `.ci/run` set it): a missing program fails instead of skipping. */
export const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? "");

/**
 * The `skip` option of a suite that needs redis-server: the install line when it is missing here (locally), false
 * when it is installed or in CI, where {@link startRedis} then fails at once with that same line.
 */
export function redisSkip(): string | false {
  return redisServerInstalled() || IN_CI ? false : REDIS_MISSING;
}

export interface TestRedis {
  port: number;
  /** redis://[:password@]127.0.0.1:port/db (the test servers listen on 127.0.0.1 only) */
  url(db?: number): string;
  client(db?: number): Redis;
  stop(): Promise<void>;
}

/** How to start a test server: a password, and TLS only (a certificate and its key, PEM files). */
export interface TestRedisOptions {
  password?: string;
  tls?: { cert: string; key: string };
}

/**
 * Start `redis-server` on a free port of 127.0.0.1, without persistence; resolves once it accepts connections. With
 * `tls`, the port speaks TLS only (use `url` with `rediss:` and the host name of the certificate).
 */
export async function startRedis(opts: TestRedisOptions = {}): Promise<TestRedis> {
  if (!redisServerInstalled()) throw new Error(REDIS_MISSING);
  const { password, tls } = opts;
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  if (tls) args.splice(0, 2, "--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-auth-clients", "no");
  if (password) args.push("--requirepass", password);
  const proc = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout!.on("data", (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${log}`)), 10_000);
    proc.stdout!.on("data", () => {
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${log}`));
    });
    proc.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${REDIS_MISSING} (${err.message})`));
    });
  }).catch((err: unknown) => {
    proc.kill("SIGKILL"); // a server that did not come up is not left behind
    throw err;
  });
  const clients: Redis[] = [];
  const auth = password ? `:${password}@` : "";
  return {
    port,
    url: (db = 0) => `redis://${auth}127.0.0.1:${port}/${db}`,
    client: (db = 0) => {
      const c = new Redis({ host: "127.0.0.1", port, db, password, maxRetriesPerRequest: null, ...(tls ? { tls: { rejectUnauthorized: false } } : {}) });
      clients.push(c);
      return c;
    },
    stop: async () => {
      for (const c of clients) c.disconnect();
      proc.kill("SIGKILL");
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once("exit", r)));
    },
  };
}

/** A CLI process whose output is collected as it runs. */
export interface Spawned {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Start `node bin/tessera.mjs ARGS` in the background (with `env` instead of this process's environment). */
export function spawnCli(args: string[], env?: NodeJS.ProcessEnv): Spawned {
  const proc = spawn(process.execPath, [join(repoRoot, "bin/tessera.mjs"), ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "", err = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on("close", (code) => resolve(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

/** Run `node bin/tessera.mjs ARGS` with environment `env` to the end. */
export async function runCliEnv(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const s = spawnCli(args, env);
  const code = await s.exited;
  return { code, stdout: s.stdout(), stderr: s.stderr() };
}

/** Poll `check` every 50 ms until it returns true (or `seconds` pass: then throw, naming `what`). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, seconds = 120): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
