/**
 * Progress on stderr for long work: a redrawn bar on a terminal (rate and ETA), a plain line every few seconds
 * otherwise (logs, CI). Silent when disabled.
 */

/** Seconds between plain progress lines when stderr is not a terminal. */
const PLAIN_EVERY_SECONDS = 10;
/** Milliseconds between redraws on a terminal. */
const REDRAW_EVERY_MS = 200;

/** A duration as 7.5s, 42s, 3m07s or 2h05m (rounded first, so 179.6 s is 3m00s, never 2m60s). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 9.95) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

export const formatCount = (n: number): string => n.toLocaleString("en-US");

/** A rate: whole numbers from 10 up, two significant digits below (a slow count shows 0.25/s, not 0/s). */
export const formatRate = (r: number): string => (r >= 9.95 ? formatCount(Math.round(r)) : r > 0 ? String(Number(r.toPrecision(2))) : "0");

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
