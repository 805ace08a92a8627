/**
 * Counting the regions of an arrangement inside a cell by its flats. For k affine hyperplanes with linearly
 * independent normals and an open convex set K, the number of regions of the arrangement inside K equals the number
 * of subsets S of the hyperplanes (the empty set included) whose common flat X_S meets K. This is Zaslavsky's count
 * (1975: regions = Σ |μ(X)| over the flats X) restricted to K, by the same deletion–restriction step: adding a
 * hyperplane H to an arrangement splits in two exactly the regions inside K that H meets, and those are in one-to-one
 * correspondence with the regions of the arrangement induced on H inside the open convex set K ∩ H; by induction the
 * regions are counted by the flats that meet K. With independent normals every X_S is a distinct nonempty flat of
 * codimension |S| and the induced arrangements keep independent normals, so each such flat counts once.
 *
 * The subsets form a simplicial complex (X_S meets K ⇒ so does X_T for T ⊂ S, as X_S ⊂ X_T), so a point of K on
 * X_S settles 2^|S| subsets at once, and a proof that X_S misses K settles every superset of S. This module keeps that
 * complex on at most {@link FLATS_MAX_UNITS} hyperplanes as a flat array over subset masks; the engine answers the
 * questions with linear programs (a point of the cell on X_S, or a dual bound showing there is none).
 */

import { choleskyInPlace } from "./central.ts";

/** Largest number of hyperplanes counted by flats: the complex has 2^k subsets (4,096 bytes of state at 12). */
export const FLATS_MAX_UNITS = 12;

/** State of a subset: not asked yet, its flat meets the cell, or it does not. */
export const enum FlatState {
  Unknown = 0,
  Meets = 1,
  Misses = -1,
}

/** The complex of the subsets of k ≤ maxK hyperplanes whose flats meet a cell, filled in by the caller's answers. */
export class FlatComplex {
  readonly state: Int8Array;
  private readonly orders: (Int32Array | undefined)[];
  private k = 0;

  constructor(readonly maxK: number = FLATS_MAX_UNITS) {
    this.state = new Int8Array(2 ** maxK);
    this.orders = new Array(maxK + 1);
  }

  /** Start on k hyperplanes: only the empty set is known (its flat is the whole space, and the cell is not empty). */
  reset(k: number): void {
    if (k > this.maxK) throw new RangeError(`${k} hyperplanes: the complex holds at most ${this.maxK}`);
    this.k = k;
    this.state.fill(FlatState.Unknown, 0, 2 ** k);
    this.state[0] = FlatState.Meets;
  }

  /**
   * The nonempty subsets of k hyperplanes, largest first. Asked in this order, every answer "meets" settles all the
   * subsets of the one asked, and the next unknown subset is never contained in a known face.
   */
  order(k: number): Int32Array {
    let o = this.orders[k];
    if (!o) {
      const masks = Array.from({ length: 2 ** k - 1 }, (_, i) => i + 1);
      masks.sort((a, b) => popcount(b) - popcount(a) || a - b);
      o = this.orders[k] = Int32Array.from(masks);
    }
    return o;
  }

  /**
   * X_S meets the cell: so do the flats of all subsets of S. Returns false, marking nothing, if one of them was
   * known to miss it (answers that contradict each other: the caller must not trust the count).
   */
  markMeets(mask: number): boolean {
    const st = this.state;
    for (let s = mask; ; s = (s - 1) & mask) {
      if (st[s] === FlatState.Misses) return false;
      if (s === 0) break;
    }
    for (let s = mask; ; s = (s - 1) & mask) {
      st[s] = FlatState.Meets;
      if (s === 0) break;
    }
    return true;
  }

  /**
   * X_S misses the cell: so do the flats of all supersets of S (they lie in X_S). Returns false, marking nothing, if
   * one of them was known to meet it (the empty set always does).
   */
  markMisses(mask: number): boolean {
    const st = this.state, rest = (2 ** this.k - 1) & ~mask;
    for (let s = rest; ; s = (s - 1) & rest) {
      if (st[mask | s] === FlatState.Meets) return false;
      if (s === 0) break;
    }
    for (let s = rest; ; s = (s - 1) & rest) {
      st[mask | s] = FlatState.Misses;
      if (s === 0) break;
    }
    return true;
  }

  /** The number of subsets whose flats meet the cell: the number of regions once no subset is unknown. */
  meets(): number {
    let c = 0;
    const st = this.state, size = 2 ** this.k;
    for (let s = 0; s < size; s++) if (st[s] === FlatState.Meets) c++;
    return c;
  }
}

/**
 * Whether k unit normals (k × n0 row-major) are linearly independent with room to spare: every pivot of the Cholesky
 * factor of their Gram matrix exceeds CENTRAL_MIN_PIVOT, the bound of the central certificate, whose margin proofs
 * divide by these pivots (when it fails the count by flats does not hold and the caller searches the signs instead).
 * `gram` holds at least k² numbers (overwritten).
 */
export function independentNormals(normals: Float64Array, k: number, n0: number, gram: Float64Array): boolean {
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let q = 0; q < n0; q++) s += normals[a * n0 + q] * normals[b * n0 + q];
      gram[a * k + b] = s;
    }
  }
  return choleskyInPlace(gram, k);
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}
