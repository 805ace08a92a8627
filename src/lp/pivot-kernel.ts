import { PIVOT_KERNEL_BASE64 } from "./pivot-kernel-bytes.ts";

/** A WebAssembly memory, as far as the kernel's user needs it (the core's lib has no WebAssembly types). */
export interface KernelMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The part of the global WebAssembly API used here. */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** Exports of the pivot-row kernel (src/lp/pivot-kernel.wat). */
export interface PivotKernel {
  memory: KernelMemory;
  /** Byte offsets of A, rho, alpha, pos, upper, d, lb, ub, cand, ratio, drop in `memory`, n, then x, out and nz. */
  layout(
    A: number, rho: number, alpha: number, pos: number, upper: number, d: number,
    lb: number, ub: number, cand: number, ratio: number, drop: number, n: number, x: number, out: number, nz: number,
  ): void;
  /**
   * Pivot row and ratio-test candidates for m rows and leaving direction sgn (with skipFixed = 1 only columns of
   * nonzero drop, i.e. not an equality row's activity); returns the number of candidates.
   */
  pivot(m: number, sgn: number, tol: number, skipFixed: number): number;
  /**
   * The ratio test's split at ratio pr of the candidate slots 0..rest−1 (src < 0) or of the i32 list at byte offset
   * src: slots with ratio ≤ pr to the i32 list at byte offset idx, the others to the one at spare, each in order;
   * returns how many went to idx.
   */
  split(src: number, rest: number, pr: number, idx: number, spare: number): number;
  /** The dual step d_j −= theta · alpha_j for every column j < nv. */
  dualUpdate(nv: number, theta: number): void;
  /** dst_j −= s · src_j for j < count (f64 arrays at byte offsets dst and src in `memory`). */
  subScaled(dst: number, src: number, count: number, s: number): void;
  /** out_i = Σ_{j < cols} A[i, j] · x_j for the rows i < m (summation order in pivot-kernel.wat). */
  rowDots(m: number, cols: number): void;
}

/** Byte offsets of the kernel's arrays, in the order `layout` takes them (x and out last), and the bytes they span. */
export interface KernelLayout {
  /** A, rho, alpha, pos, upper, d, lb, ub, cand, ratio, drop, x, out, the ratio test's lists idx, restA, restB, and nz
   * (the kernel's list of the pivot row's nonzero rows, 16 bytes a row). */
  offsets: number[];
  bytes: number;
}

/**
 * Where the arrays of an LP with n columns (x and t) and room for cap rows live in one buffer, one after another, each
 * 16-byte aligned for the kernel's SIMD loads. MarginLP, the kernel's test and bench/pivot-call.ts share it.
 */
export function pivotKernelLayout(n: number, cap: number): KernelLayout {
  const nv = n + cap;
  const sizes = [8 * cap * n, 8 * cap, 8 * nv, 4 * nv, nv, 8 * nv, 8 * nv, 8 * nv, 4 * nv, 8 * nv, 8 * nv, 8 * n, 8 * cap, 4 * nv, 4 * nv, 4 * nv, 16 * cap];
  const offsets: number[] = [];
  let bytes = 0;
  for (const size of sizes) {
    offsets.push(bytes);
    bytes += Math.ceil(size / 16) * 16;
  }
  return { offsets, bytes };
}

let compiled: object | null | undefined;

/**
 * The compiled kernel module, or null where WebAssembly or its SIMD extension is unavailable (MarginLP then uses its
 * JS path, which computes the same numbers): also where compiling is refused (a browser's Content Security Policy
 * without 'wasm-unsafe-eval'). Compiled once; about 2 KB, so synchronous compilation is allowed on a browser's main
 * thread too.
 */
export function pivotKernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return compiled;
  const bin = atob(PIVOT_KERNEL_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  try {
    if (wasm.validate(bytes)) compiled = new wasm.Module(bytes);
  } catch {
    compiled = null; // refused by the environment: the JS path runs
  }
  return compiled;
}

/** A fresh kernel instance with its own memory (null where unavailable). */
export function instantiatePivotKernel(): PivotKernel | null {
  const mod = pivotKernelModule();
  if (!mod) return null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
  try {
    return new wasm.Instance(mod, {}).exports as PivotKernel;
  } catch {
    return null; // e.g. out of address space for another memory: the JS path runs
  }
}

// Compiled at import, before `tessera count` switches V8 to --liftoff-only while it loads HiGHS: a module compiled
// under that flag never tiers up to the optimising compiler, which the kernel needs to be fast, and V8 hands the same
// compiled module to worker threads that compile the same bytes later (kept alive by `compiled`).
pivotKernelModule();
