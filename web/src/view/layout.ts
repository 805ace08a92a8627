/**
 * Where a view rectangle sits on a canvas: equal scales on both axes, centred (letterboxed). Shared by the painter
 * (in the partition worker) and the page's overlay, and used to preview pan and zoom by a CSS transform of the last
 * picture until the worker has drawn the new rectangle.
 */
import type { PlaneRect } from "tessera";

/** Pixels per plane unit `s` and the offsets of the view's top-left corner, for a w × h canvas (CSS pixels). */
export interface ViewLayout {
  w: number;
  h: number;
  s: number;
  ox: number;
  oy: number;
}

export function viewLayout(w: number, h: number, view: PlaneRect): ViewLayout {
  const du = view.umax - view.umin, dv = view.vmax - view.vmin;
  const s = Math.min(w / du, h / dv);
  return { w, h, s, ox: (w - s * du) / 2, oy: (h - s * dv) / 2 };
}

/** Canvas x of plane coordinate u, and y of plane coordinate v (v grows upwards). */
export function toPixels(l: ViewLayout, view: PlaneRect, u: number, v: number): [number, number] {
  return [l.ox + (u - view.umin) * l.s, l.oy + (view.vmax - v) * l.s];
}

/**
 * The CSS matrix (a, 0, 0, a, bx, by) that moves a picture drawn for `from` to where it belongs in `to`, on the same
 * w × h canvas: x_to = a·x_from + bx, y_to = a·y_from + by.
 */
export function previewMatrix(w: number, h: number, from: PlaneRect, to: PlaneRect): [number, number, number] {
  const lf = viewLayout(w, h, from), lt = viewLayout(w, h, to);
  const a = lt.s / lf.s;
  const bx = lt.ox + (from.umin - to.umin) * lt.s - a * lf.ox;
  const by = lt.oy + (to.vmax - from.vmax) * lt.s - a * lf.oy;
  return [a, bx, by];
}

/** A 2-D context whose transform {@link setPlaneTransform} can set (page canvas or OffscreenCanvas). */
interface Transformable {
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
}

/**
 * Draw in plane coordinates from now on: x = ox + (u − umin)·s, y = oy + (vmax − v)·s, times the device pixel ratio.
 * Returns one CSS pixel in plane units (for line widths).
 */
export function setPlaneTransform(ctx: Transformable, l: ViewLayout, view: PlaneRect, dpr: number): number {
  ctx.setTransform(dpr * l.s, 0, 0, -dpr * l.s, dpr * (l.ox - view.umin * l.s), dpr * (l.oy + view.vmax * l.s));
  return 1 / l.s;
}

/**
 * Tick positions for an axis from lo to hi: multiples of a "nice" step (1, 2 or 5 times a power of ten) giving about
 * `target` ticks, with the decimals needed to print them.
 */
export function niceTicks(lo: number, hi: number, target = 5): { values: number[]; decimals: number } {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return { values: [], decimals: 0 };
  const raw = span / target, p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const values: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + 1e-9 * span; k++) values.push(k * step);
  return { values, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}
