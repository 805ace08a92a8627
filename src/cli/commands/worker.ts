import { availableParallelism, hostname } from "node:os";
import { Option, type Command } from "commander";
import { DEFAULT_LOCK_SECONDS } from "../../distributed/job-keys.ts";
import { UsageError } from "../../util/errors.ts";
import { capToCores } from "../threads.ts";

interface WorkerFlags {
  queue: string;
  concurrency: string;
  lockSeconds: string;
  quiet?: boolean;
}

/** `tessera worker --queue URL`: run the units of any queued count until stopped. */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run work units of distributed counts (tessera count --queue) until stopped; start any number, on any host")
    .requiredOption("--queue <url>", "the Redis of the queue: redis://[:PASSWORD@]HOST:PORT/DB or rediss://… (TLS)")
    .option("--concurrency <n>", `worker threads, each with its own HiGHS (this machine has ${availableParallelism()} cores)`, "1")
    .addOption(new Option("--lock-seconds <s>", "seconds before a dead worker's units are taken over").default(String(DEFAULT_LOCK_SECONDS)))
    .option("--quiet", "log only problems")
    .action(async (flags: WorkerFlags) => {
      let concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
        throw new UsageError(`--concurrency "${flags.concurrency}": give an integer from 1 to 256`);
      }
      concurrency = capToCores(concurrency, "--concurrency");
      const lockSeconds = Number(flags.lockSeconds);
      if (!Number.isFinite(lockSeconds) || lockSeconds < 0.2) throw new UsageError(`--lock-seconds "${flags.lockSeconds}": give at least 0.2`);
      // Loaded only here: BullMQ and ioredis add ~0.3 s to every other command's start.
      const { parseQueueUrl } = await import("../../distributed/connection.ts");
      const { startQueueWorker } = await import("../../distributed/queue-worker.ts");
      const target = parseQueueUrl(flags.queue);
      const log = (line: string) => process.stderr.write(`tessera worker: ${line}\n`);
      const worker = await startQueueWorker({ target, concurrency, lockSeconds, log });
      if (!flags.quiet) log(`${hostname()} pid ${process.pid}: ${concurrency} thread${concurrency > 1 ? "s" : ""} on ${target.display}`);
      await new Promise<void>((resolve) => {
        const stop = (sig: NodeJS.Signals) => {
          if (!flags.quiet) log(`${sig}: handing running units back to the queue`);
          void worker.stop().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      const s = worker.stats;
      if (!flags.quiet) log(`stopped: ${s.counted} units counted, ${s.split} split, ${s.alreadyRecorded} already recorded, ${s.failed} failed`);
    });
}
