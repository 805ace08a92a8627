/**
 * One hidden unit's output over the view, exact per region: on each polygon of a packed partition the unit's
 * pre-activation is affine, g(x) = a·x + c (Serra et al. 2018, §2: compose the layers below with the polygon's
 * pattern), and its output σ(g) is too, because the unit's own bit is fixed on the polygon (its zero set is made of
 * region edges). So each pixel is painted in the colour of the unit's exact value at the pixel's centre, from its
 * polygon's affine form. DOM-free.
 */
import { hiddenLayers, type Network, type PlaneToPixels, type RasterPaintContext, unitsOf } from "tessera";
import type { PackedPartition } from "../partition/packed.ts";

/** Where a unit (pattern index) sits: its hidden layer (0-based) and index in it. */
export function locateUnit(net: Network, unit: number): { layer: number; index: number } {
  let at = 0;
  for (const [l, layer] of hiddenLayers(net).entries()) {
    const n = unitsOf(layer);
    if (unit < at + n) return { layer: l, index: unit - at };
    at += n;
  }
  throw new RangeError(`unit ${unit}: the network has ${at} hidden units`);
}

/**
 * The unit's output on every polygon as an affine form h(x) = f[3k]·x1 + f[3k+1]·x2 + f[3k+2], k over the polygons
 * of `p` (regions, then slivers).
 */
export function unitOutputForms(net: Network, p: PackedPartition, unit: number): Float64Array {
  const { layer: L, index } = locateUnit(net, unit);
  const hidden = hiddenLayers(net);
  const polygons = p.polyStart.length - 1;
  const out = new Float64Array(3 * polygons);
  const maxWidth = Math.max(2, ...hidden.map((l) => l.outDim));
  let A = new Float64Array(2 * maxWidth), c = new Float64Array(maxWidth);
  let nA = new Float64Array(2 * maxWidth), nc = new Float64Array(maxWidth);
  for (let k = 0; k < polygons; k++) {
    const pattern = p.patterns.subarray(k * p.units, (k + 1) * p.units);
    // h^0 = x: the identity.
    A[0] = 1; A[1] = 0; A[2] = 0; A[3] = 1; c[0] = 0; c[1] = 0;
    let width = 2, offset = 0;
    for (let l = 0; l <= L; l++) {
      const layer = hidden[l], act = layer.activation, W = layer.weights, b = layer.bias;
      const rank = act.kind === "maxout" ? act.rank : 1;
      const units = unitsOf(layer);
      // At layer L only the unit's own row is needed.
      const from = l === L ? index : 0, to = l === L ? index + 1 : units;
      for (let i = from; i < to; i++) {
        const row = act.kind === "maxout" ? i * rank + pattern[offset + i] : i;
        let g0 = 0, g1 = 0, gc = b[row];
        for (let q = 0; q < width; q++) {
          const w = W[row * width + q];
          g0 += w * A[2 * q];
          g1 += w * A[2 * q + 1];
          gc += w * c[q];
        }
        const s = act.kind === "relu" ? pattern[offset + i] : act.kind === "leaky-relu" ? (pattern[offset + i] ? 1 : act.alpha) : 1;
        nA[2 * i] = s * g0;
        nA[2 * i + 1] = s * g1;
        nc[i] = s * gc;
      }
      if (l === L) {
        out[3 * k] = nA[2 * index];
        out[3 * k + 1] = nA[2 * index + 1];
        out[3 * k + 2] = nc[index];
      }
      [A, nA] = [nA, A];
      [c, nc] = [nc, c];
      width = units;
      offset += units;
    }
  }
  return out;
}

/** Colour of a value t ∈ [−1, 1]: white at 0, linear toward blue (positive) or orange (negative), as Playground. */
export function valueColour(t: number): string {
  const u = Math.max(-1, Math.min(1, t));
  const [r, g, b] = u >= 0 ? [0, 114, 178] : [230, 159, 0];
  const a = Math.abs(u);
  const mix = (x: number) => Math.round(255 + (x - 255) * a);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

/** The colour of {@link valueColour} as 0xrrggbb. */
function valueRgb(t: number): number {
  const u = Math.max(-1, Math.min(1, t)), a = Math.abs(u);
  const mix = (x: number) => Math.round(255 + (x - 255) * a);
  return u >= 0 ? (mix(0) << 16) | (mix(114) << 8) | mix(178) : (mix(230) << 16) | (mix(159) << 8) | mix(0);
}

/**
 * Shade every polygon by its affine form into a raster context's pixels: each pixel gets the colour of the form's
 * value at its centre (scaled by `scale`), exact per pixel. `view` places the plane on the canvas in CSS pixels, `dpr`
 * device pixels per CSS pixel.
 */
export function shadeUnitOutput(raster: RasterPaintContext, p: PackedPartition, forms: Float64Array, scale: number, view: PlaneToPixels, dpr: number): void {
  const { data, width } = raster.pixels();
  const s = scale > 0 ? scale : 1, { left, top, umin, vmax } = view, px = view.scale;
  let xy = new Float64Array(64);
  let a0 = 0, a1 = 0, c = 0;
  const span = (j: number, i0: number, i1: number) => {
    const v = vmax - ((j + 0.5) / dpr - top) / px;
    for (let i = i0, at = 4 * (j * width + i0); i <= i1; i++, at += 4) {
      const rgb = valueRgb((a0 * (umin + ((i + 0.5) / dpr - left) / px) + a1 * v + c) / s);
      data[at] = rgb >> 16;
      data[at + 1] = (rgb >> 8) & 255;
      data[at + 2] = rgb & 255;
      data[at + 3] = 255;
    }
  };
  for (let k = 0; k + 1 < p.polyStart.length; k++) {
    const from = p.polyStart[k], to = p.polyStart[k + 1];
    if (2 * (to - from) > xy.length) xy = new Float64Array(4 * (to - from));
    for (let i = from; i < to; i++) {
      xy[2 * (i - from)] = (left + (p.coords[2 * i] - umin) * px) * dpr;
      xy[2 * (i - from) + 1] = (top + (vmax - p.coords[2 * i + 1]) * px) * dpr;
    }
    (a0 = forms[3 * k]), (a1 = forms[3 * k + 1]), (c = forms[3 * k + 2]);
    raster.spans(xy, 0, to - from, span);
  }
}

/** Largest |h| over the polygons' vertices (the colour scale), 0 when the unit is dead in the view. */
export function outputScale(p: PackedPartition, forms: Float64Array): number {
  let m = 0;
  for (let k = 0; k + 1 < p.polyStart.length; k++) {
    for (let i = p.polyStart[k]; i < p.polyStart[k + 1]; i++) {
      m = Math.max(m, Math.abs(forms[3 * k] * p.coords[2 * i] + forms[3 * k + 1] * p.coords[2 * i + 1] + forms[3 * k + 2]));
    }
  }
  return m;
}

