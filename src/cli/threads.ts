/**
 * Thread counts of the CLI (`count --workers`, `study --workers`, `worker --concurrency`) against the machine's cores.
 * Each thread holds its own copy of the network, its bounds and its LP solver (32 threads took 1.9 GB for a
 * 111-region network), and threads beyond the cores add no speed, so a larger request is capped with one warning.
 */
import { availableParallelism } from "node:os";

/**
 * `requested`, or the number of cores when it asks for more, with a one-line warning on `warn` naming `flag`. The
 * counts never depend on the number of threads, so capping changes only time and memory.
 */
export function capToCores(requested: number, flag: string, warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`), cores = availableParallelism()): number {
  if (requested <= cores) return requested;
  warn(`tessera: ${flag} ${requested} is more than the ${cores} core${cores === 1 ? "" : "s"} of this machine: using ${cores} (each thread holds its own copy of the network and solver; more threads than cores add memory, not speed)`);
  return cores;
}
