/** Base-10 logarithm of a non-negative BigInt, accurate for numbers of any size. */

/** Bits kept when a huge BigInt is shifted down to a double: 60 leaves the result exact to double precision. */
const KEPT_BITS = 60n;

/**
 * log10(x) for x ≥ 0 (−Infinity for 0). Numbers beyond 2^60 are shifted right to their top 60 bits, so the
 * result is log10(top) + shift·log10(2) with relative error near machine epsilon even for 10^100000.
 */
export function log10BigInt(x: bigint): number {
  if (x < 0n) throw new RangeError("log10 of a negative number");
  if (x === 0n) return -Infinity;
  const bits = BigInt(x.toString(2).length);
  if (bits <= KEPT_BITS) return Math.log10(Number(x));
  const shift = bits - KEPT_BITS;
  return Math.log10(Number(x >> shift)) + Number(shift) * Math.log10(2);
}
