/** How progress and counts are written for people: durations, counts with thousands separators, rates. Isomorphic. */

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
