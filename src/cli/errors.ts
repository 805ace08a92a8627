import { UsageError } from "../util/errors.ts";

/**
 * Parse `--threshold`: the interior radius a region must exceed to count (see DEFAULT_INTERIOR_THRESHOLD). Shared by
 * every command that counts regions, so they all accept the same values.
 */
export function parseThreshold(text: string): number {
  const t = Number(text);
  if (!Number.isFinite(t) || t <= 0 || t >= 1) throw new UsageError(`--threshold "${text}": give a number in (0, 1), e.g. 1e-8`);
  return t;
}
