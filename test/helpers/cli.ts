/**
 * Run the real CLI and collect its exit code and output.
 *
 * A call goes to one long-lived child process per test file (test/helpers/cli-server.ts), which runs the command
 * line through the same `main` as `bin/tessera.mjs`: a fresh `node bin/tessera.mjs` costs about 1.5 s of CPU to start
 * (Node, tsx, the CLI's modules), most of a small command's cost, and npm test makes hundreds of calls. A call runs
 * in a fresh `node bin/tessera.mjs` instead when the server is busy with another call (concurrent calls stay
 * concurrent: a queue count and its workers must run side by side), when it asks for one (`fresh`), when
 * TESSERA_TEST_FRESH_CLI=1 is set (every call then runs as before this helper existed), and when the server's
 * run of it crashed the server or left handles that would keep a real process from exiting: the fresh run's result is
 * the one returned, so a crash or a hang shows as it would for a user. A call that changes state outside the process
 * (a queue job, a checkpoint, a shard) is not run twice: if it crashed the server or left handles open, the result
 * says so and the test fails. A call the server does not answer in SERVER_CALL_TIMEOUT_MS fails as hung.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./fixtures.ts";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface CliOptions {
  /** Run in a fresh `node bin/tessera.mjs` process (start-up, exit and the launcher itself are part of the check). */
  fresh?: boolean;
}

const FRESH_ALWAYS = process.env.TESSERA_TEST_FRESH_CLI === "1";

/**
 * Flags whose commands change state outside the process (a Redis job, a checkpoint, a shard's output): such a call
 * cannot be run a second time to judge it, because its first run's effects are already there.
 */
const NOT_REPEATABLE = new Set(["--queue", "--job", "--resume", "--checkpoint", "--shard"]);

/**
 * Longest a call may run on the server before it is judged hung. A `main` whose promise never settles would leave a
 * fresh process to exit at once (code 13), but the server's IPC channel keeps it alive; this bound turns such a bug
 * into a failed test instead of a hung suite. Generous (the slowest call in the suite takes about a minute under load).
 */
const SERVER_CALL_TIMEOUT_MS = 10 * 60_000;

/** Run `node bin/tessera.mjs ARGS` in a new process. */
export function runCliFresh(args: string[], cwd = repoRoot): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, "bin/tessera.mjs"), ...args], { cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

interface Reply extends CliResult {
  id: number;
  leftovers: string[];
}

/** The server process and the call it is running (at most one). */
let server: ChildProcess | undefined;
let pending: { id: number; resolve: (r: Reply | undefined) => void } | undefined;
let nextId = 0;

function startServer(): ChildProcess {
  const child = fork(join(repoRoot, "test/helpers/cli-server.ts"), [], {
    cwd: repoRoot,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "ignore", "ipc"],
  });
  child.on("message", (m: Reply) => {
    if (pending && m.id === pending.id) {
      const p = pending;
      pending = undefined;
      child.channel?.unref(); // idle: the server must not keep the test process alive
      p.resolve(m);
    }
  });
  child.on("exit", () => {
    if (server === child) server = undefined;
    const p = pending;
    pending = undefined;
    p?.resolve(undefined); // crashed mid-call: the caller re-runs the call fresh (or reports it, if not repeatable)
  });
  child.unref();
  child.channel?.unref();
  return child;
}

/** Run one call on the server; undefined when the server died during it. */
function onServer(args: string[], cwd: string): Promise<Reply | undefined> {
  server ??= startServer();
  const id = nextId++;
  const s = server;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending = undefined;
      if (server === s) server = undefined;
      s.kill();
      reject(new Error(`tessera ${args.join(" ")}: no answer from the CLI server in ${SERVER_CALL_TIMEOUT_MS / 1000} s (hung)`));
    }, SERVER_CALL_TIMEOUT_MS);
    timer.unref();
    pending = {
      id,
      resolve: (r) => {
        clearTimeout(timer);
        resolve(r);
      },
    };
    s.channel?.ref();
    s.send({ id, args, cwd });
  });
}

/** Run `tessera ARGS` (see the module comment for where). */
export async function runCli(args: string[], cwd = repoRoot, options: CliOptions = {}): Promise<CliResult> {
  if (options.fresh || FRESH_ALWAYS || pending) return runCliFresh(args, cwd);
  const r = await onServer(args, cwd);
  if (r && r.leftovers.length === 0) return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  if (r) {
    // The call left handles open: a real process would wait for them. Judge it by a real process, on a new server.
    server?.kill();
    server = undefined;
  }
  if (args.some((a) => NOT_REPEATABLE.has(a.split("=")[0]))) {
    // Running it again would meet its own first run's job or checkpoint: report what happened instead.
    const why = r ? `left handles open (${r.leftovers.join(", ")}): a real process would not exit` : "crashed the CLI server";
    return { code: null, stdout: r?.stdout ?? "", stderr: `${r?.stderr ?? ""}\ntest helper: tessera ${args.join(" ")} ${why}\n` };
  }
  return runCliFresh(args, cwd);
}

/**
 * Run many independent CLI calls, results in input order. On the server they run one after another (each costs its
 * work, not a start-up); with fresh processes (TESSERA_TEST_FRESH_CLI=1), at most `limit` at a time.
 */
export async function runCliAll(calls: string[][], limit = 4): Promise<CliResult[]> {
  const results: CliResult[] = new Array(calls.length);
  if (!FRESH_ALWAYS) {
    for (const [i, c] of calls.entries()) {
      while (pending) await new Promise((r) => setTimeout(r, 10)); // another call of this file is on the server
      results[i] = await runCli(c);
    }
    return results;
  }
  let next = 0;
  const worker = async () => {
    while (next < calls.length) {
      const i = next++;
      results[i] = await runCliFresh(calls[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, calls.length) }, worker));
  return results;
}
