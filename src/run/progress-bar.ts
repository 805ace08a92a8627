/**
 * Progress on stderr for long work: a redrawn bar on a terminal (rate and ETA), a plain line every few seconds
 * otherwise (logs, CI). Silent when disabled. Node-only (writes to a Node stream).
 */
import { formatCount, formatDuration, formatRate } from "../util/progress.ts";

/** Seconds between plain progress lines when stderr is not a terminal. */
const PLAIN_EVERY_SECONDS = 10;
/** Milliseconds between redraws on a terminal. */
const REDRAW_EVERY_MS = 200;

/** A progress line: what is counted, how far, how fast, how long still. */
export class ProgressBar {
  private readonly start = Date.now();
  private lastDraw = 0;
  private lastPlain = Date.now();
  private drawn = false;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  /**
   * Update with the number of items found, the fraction of the work done (if known) and a detail text. `carried`
   * of the items found come from an earlier run (a checkpoint): they are shown but not counted in the rate. `eta`
   * (seconds) replaces the estimate from the elapsed time and the fraction, for callers that know better.
   */
  update(found: number, fraction: number | undefined, detail: string, force = false, carried = 0, eta?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    const elapsed = (now - this.start) / 1000;
    const rate = elapsed > 0 ? Math.max(0, found - carried) / elapsed : 0;
    eta ??= fraction !== undefined && fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Infinity;
    const pct = fraction !== undefined ? `${(100 * fraction).toFixed(0).padStart(3)}%` : "";
    const width = 20;
    const filled = fraction !== undefined ? Math.round(width * Math.min(1, fraction)) : 0;
    const bar = fraction !== undefined ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${pct} ` : "";
    const line =
      `${this.label} ${bar}${formatCount(found)} | ${formatRate(rate)}/s ` +
      `| ${detail} | ${formatDuration(elapsed)} elapsed${fraction !== undefined && fraction < 1 ? `, ETA ${formatDuration(eta)}` : ""}`;
    if (this.tty) {
      if (!force && now - this.lastDraw < REDRAW_EVERY_MS) return;
      this.lastDraw = now;
      this.stream.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else if (force || now - this.lastPlain >= PLAIN_EVERY_SECONDS * 1000) {
      this.lastPlain = now;
      this.stream.write(line + "\n");
    }
  }

  /** End the bar (newline on a terminal). */
  done(): void {
    if (this.enabled && this.tty && this.drawn) this.stream.write("\n");
  }
}
