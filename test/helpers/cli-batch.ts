/**
 * Run many `tessera` command lines in one Node process (one start-up of tsx instead of one per call), each through
 * the real `main` with stdout, stderr and the exit code captured. Usage (a child process of a test, which kills it
 * on a time limit): `node --import tsx test/helpers/cli-batch.ts CASES.json RESULTS.jsonl`; CASES.json is an array of
 * argument lists, and each result is appended to RESULTS.jsonl as soon as its call returns ({ i, code, stdout,
 * stderr, ms }), so a call that hangs is the first one without a line.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { main } from "../../src/cli/main.ts";

const [casesPath, resultsPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesPath, "utf8")) as string[][];
const realOut = process.stdout.write.bind(process.stdout), realErr = process.stderr.write.bind(process.stderr);

for (const [i, args] of cases.entries()) {
  let stdout = "", stderr = "";
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  const t0 = Date.now();
  try {
    await main(["node", "tessera", ...args]);
  } catch (err) {
    // main catches every error it knows; anything else escaping it is reported as it would crash the command.
    stderr += `uncaught: ${err instanceof Error ? err.stack : String(err)}`;
    process.exitCode = 1;
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  const code = Number(process.exitCode ?? 0);
  appendFileSync(resultsPath, JSON.stringify({ i, code, stdout, stderr, ms: Date.now() - t0 }) + "\n");
}
process.exitCode = 0;
