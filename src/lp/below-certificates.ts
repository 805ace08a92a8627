import type { MarginLP } from "./margin-lp.ts";
import { lpProfile, P } from "./profile.ts";

/**
 * Dual-bound certificates of empty children, reused down the search tree (issue #33).
 *
 * When MarginLP proves a child empty (`Below`: max t ≤ threshold from a dual-feasible basis), the rows whose activities
 * are basic have zero duals: the same basis with them left out proves the same bound for the LP of the other rows
 * alone (see `MarginLP.rowIsBasic`). If every row with a nonzero dual is the child's own or belongs to the cell of an
 * ancestor at depth k, the child's rows have no interior point (margin > threshold) in that ancestor's cell, hence in
 * none of its subcells: wherever the same unit offers the same child rows below that ancestor, the child is empty
 * without an LP. This is a Farkas-type certificate kept for the subtree where it holds; decisions are those the LP
 * would make (a certified `Below`), only the LPs are saved.
 *
 * One certificate per (unit, child): the latest. The child's rows are compared exactly (they depend on the decided
 * pattern of earlier layers), and the ancestor is recognised by a serial number given to every node when it is
 * entered (a node's serial changes when the search leaves its subtree). Flat arrays, no allocation while searching.
 */
export class BelowCertificates {
  private readonly n0: number;
  private readonly rowsPerKey: number;
  /** Per depth: serial of the node on the current path, and its number of LP rows. */
  private readonly serial: Float64Array;
  private readonly rowsAt: Int32Array;
  private nextSerial = 0;
  /** Per key: ancestor depth (−1: none), its serial, the number of rows, and the rows with their right-hand sides. */
  private readonly keyDepth: Int32Array;
  private readonly keySerial: Float64Array;
  private readonly keyCount: Int32Array;
  private readonly keyRows: Float64Array;
  private readonly keyRhs: Float64Array;
  /** Children proved empty by a kept certificate (no LP). */
  hits = 0;

  constructor(keys: number, rowsPerKey: number, n0: number, maxDepth: number) {
    this.n0 = n0;
    this.rowsPerKey = rowsPerKey;
    this.serial = new Float64Array(maxDepth + 1);
    this.rowsAt = new Int32Array(maxDepth + 1);
    this.keyDepth = new Int32Array(keys).fill(-1);
    this.keySerial = new Float64Array(keys);
    this.keyCount = new Int32Array(keys);
    this.keyRows = new Float64Array(keys * rowsPerKey * n0);
    this.keyRhs = new Float64Array(keys * rowsPerKey);
  }

  /** A node at `depth` whose cell has `rows` LP rows is entered (the root at depth 0 with 0 rows). */
  enter(depth: number, rows: number): void {
    this.serial[depth] = ++this.nextSerial;
    this.rowsAt[depth] = rows;
  }

  /**
   * Whether a kept certificate proves the child with `count` rows (rows[off …], rhs[rhsOff …]) empty at a node at
   * `depth` of the current path.
   */
  proves(key: number, depth: number, rows: Float64Array, off: number, rhs: Float64Array, rhsOff: number, count: number): boolean {
    const k = this.keyDepth[key];
    if (k < 0 || k > depth || this.serial[k] !== this.keySerial[key] || this.keyCount[key] !== count) return false;
    const n0 = this.n0, base = key * this.rowsPerKey;
    for (let r = 0; r < count; r++) if (this.keyRhs[base + r] !== rhs[rhsOff + r]) return false;
    const kept = this.keyRows, from = base * n0, len = count * n0;
    for (let j = 0; j < len; j++) if (kept[from + j] !== rows[off + j]) return false;
    this.hits++;
    lpProfile[P.CertificateHits]++;
    return true;
  }

  /**
   * Keep the certificate of the LP just solved `Below` for the child with `count` rows (its last `count` rows, copied
   * from rows[off …], rhs[rhsOff …]) at a node at `depth` of the current path.
   */
  record(key: number, lp: MarginLP, depth: number, rows: Float64Array, off: number, rhs: Float64Array, rhsOff: number, count: number): void {
    const prefix = lp.m - count;
    // The deepest row of the path with a (possibly) nonzero dual.
    let last = -1;
    for (let i = prefix - 1; i >= 0; i--) {
      if (!lp.rowIsBasic(i)) {
        last = i;
        break;
      }
    }
    // The shallowest ancestor whose cell has that row.
    let k = 0;
    while (k < depth && this.rowsAt[k] <= last) k++;
    this.keyDepth[key] = k;
    this.keySerial[key] = this.serial[k];
    this.keyCount[key] = count;
    const base = key * this.rowsPerKey, n0 = this.n0;
    for (let r = 0; r < count; r++) this.keyRhs[base + r] = rhs[rhsOff + r];
    this.keyRows.set(rows.subarray(off, off + count * n0), base * n0);
  }
}
