/**
 * One long-lived child process that runs `tessera` command lines through the real `main`, one at a time, so that a
 * test file pays Node's and tsx's start-up (about 1.5 s of CPU, most of a small command's cost) once instead of once
 * per call. Started by test/helpers/cli.ts with an IPC channel: it receives { id, args, cwd } and answers
 * { id, code, stdout, stderr, leftovers } after the call, with stdout and stderr captured and the exit code read from
 * process.exitCode. `leftovers` lists the event-loop resources (handles, timers) the call left behind that keep a
 * process alive: a fresh `tessera` would not exit with them, so the caller re-runs such a call in a fresh process and
 * replaces this one. Exits when the test process goes away (the channel disconnects).
 */
import { chdir } from "node:process";
import { main } from "../../src/cli/main.ts";

interface Call {
  id: number;
  args: string[];
  cwd: string;
}

/** How long a call's worker threads and sockets may take to close after `main` returns (they close asynchronously). */
const SETTLE_MS = 2000;
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);

/** The write of a captured stream: appends the text and calls the callback, as a stream would once flushed. */
function capture(sink: (s: string) => void): typeof process.stdout.write {
  return ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
    sink(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const done = typeof encoding === "function" ? encoding : cb;
    if (typeof done === "function") process.nextTick(done as () => void);
    return true;
  }) as typeof process.stdout.write;
}

/** Resources keeping the event loop alive, as a multiset of type names (the IPC channel is always one). */
function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/** The resources of `now` beyond those of `before`. */
function extra(before: Map<string, number>, now: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [r, n] of now) for (let i = before.get(r) ?? 0; i < n; i++) out.push(r);
  return out;
}

async function run(call: Call): Promise<{ code: number; stdout: string; stderr: string; leftovers: string[] }> {
  let stdout = "", stderr = "";
  const listeners = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const before = resources();
  chdir(call.cwd);
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  process.exitCode = 0;
  try {
    await main(["node", "tessera", ...call.args]);
  } catch (err) {
    // main catches every error it knows; anything escaping it would crash the command: the caller re-runs it fresh.
    stderr += `uncaught: ${err instanceof Error ? err.stack : String(err)}`;
    process.exitCode = 1;
  }
  // Late writes of the call (a worker's last line, a timer) land in its output, as in a process that exits after them.
  let left = extra(before, resources());
  for (const t0 = Date.now(); left.length > 0 && Date.now() - t0 < SETTLE_MS; left = extra(before, resources())) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setImmediate(r));
  process.stdout.write = realOut;
  process.stderr.write = realErr;
  // Signal handlers a command installs for its own run would pile up across calls (and warn past 10).
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!listeners.get(s)!.has(l)) process.removeListener(s, l);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr, leftovers: left };
}

let queue = Promise.resolve();
process.on("message", (call: Call) => {
  queue = queue.then(async () => {
    const result = await run(call);
    process.send!({ id: call.id, ...result });
  });
});
process.on("disconnect", () => process.exit(0));
