/**
 * Exact binomial coefficients and their partial sums with BigInt. Rows of Pascal's triangle are built on demand
 * with the multiplicative recurrence C(n, j+1) = C(n, j)·(n − j)/(j + 1) and cached per n, only as far as asked,
 * so C(4500, j) for j ≤ 784 (a rank-10 maxout layer of 100 units) costs one row prefix, not 4500 rows.
 */

/** Cached prefix of row n: entries C(n, 0..m) and running sums Σ_{i≤j} C(n, i). */
interface RowPrefix {
  coeff: bigint[];
  sums: bigint[];
}

const rows = new Map<number, RowPrefix>();

function checkIndex(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
}

/** Extend row n's cached prefix to index `upTo` (clamped to n) and return it. */
function rowPrefix(n: number, upTo: number): RowPrefix {
  let row = rows.get(n);
  if (!row) {
    row = { coeff: [1n], sums: [1n] };
    rows.set(n, row);
  }
  const last = Math.min(upTo, n);
  const bn = BigInt(n);
  for (let j = row.coeff.length - 1; j < last; j++) {
    const next = (row.coeff[j] * (bn - BigInt(j))) / BigInt(j + 1);
    row.coeff.push(next);
    row.sums.push(row.sums[j] + next);
  }
  return row;
}

/** The binomial coefficient C(n, j), exactly; 0 when j > n. */
export function binomial(n: number, j: number): bigint {
  checkIndex("n", n);
  checkIndex("j", j);
  if (j > n) return 0n;
  // Symmetry keeps the cached prefix short: C(n, j) = C(n, n − j).
  const k = Math.min(j, n - j);
  return rowPrefix(n, k).coeff[k];
}

/** Σ_{j=0}^{d} C(n, j), exactly (= 2^n when d ≥ n). Zaslavsky's count for n hyperplanes in general position in R^d. */
export function binomialPrefixSum(n: number, d: number): bigint {
  checkIndex("n", n);
  checkIndex("d", d);
  if (d >= n) return 1n << BigInt(n);
  // For d > n/2 sum the shorter tail: Σ_{j≤d} C(n, j) = 2^n − Σ_{j≤n−d−1} C(n, j).
  if (2 * d > n) return (1n << BigInt(n)) - rowPrefix(n, n - d - 1).sums[n - d - 1];
  return rowPrefix(n, d).sums[d];
}

/** The entries C(n, 0..m) of row n (m clamped to n), as a fresh array. */
export function binomialRow(n: number, m = n): bigint[] {
  checkIndex("n", n);
  checkIndex("m", m);
  const last = Math.min(m, n);
  const half = Math.floor(n / 2);
  const prefix = rowPrefix(n, Math.min(last, half)).coeff;
  const out: bigint[] = new Array(last + 1);
  for (let j = 0; j <= last; j++) out[j] = j <= half ? prefix[j] : prefix[n - j];
  return out;
}

/** Drop every cached row (for long-running processes that computed very large rows once). */
export function clearBinomialCache(): void {
  rows.clear();
}
