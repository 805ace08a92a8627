/**
 * A {@link PaintContext} that rasterises fills and hairlines itself into RGBA pixels (an ImageData's buffer), for
 * pictures of tens of thousands of polygons that a canvas's general path rasteriser draws slowly (40,881 regions took
 * about 2.7 s of CPU in headless Chromium through Canvas 2D paths; see bench/explorer-paint.ts). Only what such
 * pictures are made of is rasterised here; everything else goes to a {@link CanvasPaintContext} on the same canvas:
 *
 * - fills of "#rrggbb" colours: each closed subpath filled on its own by the pixel-centre rule (a pixel is inside
 *   when its centre is; left and top edges in, right and bottom out), so polygons that tile the plane cover every
 *   pixel exactly once, without the seams an anti-aliased fill leaves. The subpaths must not overlap (the painter's
 *   regions and class cells never do); a stroke of the fill's own colour in the same call, which only closes such
 *   seams, is therefore not drawn;
 * - strokes thinner than one device pixel, undashed, in "#rrggbb": every segment drawn by Xiaolin Wu's anti-aliased
 *   line algorithm (Wu 1991, "An efficient antialiasing technique", SIGGRAPH), each pixel at coverage × width ×
 *   opacity, the ink a hairline of that width leaves.
 *
 * The caller gives the canvas's pixel size and the scale from path coordinates to device pixels (the device pixel
 * ratio), and calls {@link RasterPaintContext.flush} (the painter does) before the canvas is used again. Isomorphic.
 */
import { CanvasPaintContext, type Canvas2D, type PaintContext, type PathStyle } from "./paint-context.ts";

/** What the raster context needs of the canvas beyond {@link Canvas2D}: reading and writing its pixels. */
export interface PixelCanvas2D extends Canvas2D {
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray; width: number; height: number };
  putImageData(image: { data: Uint8ClampedArray; width: number; height: number }, x: number, y: number): void;
  createImageData(w: number, h: number): { data: Uint8ClampedArray; width: number; height: number };
}

/**
 * Strokes at least this wide (device pixels) go to the canvas: Wu's lines are one pixel across, so their ink matches
 * a line's only while the line is thinner than a pixel.
 */
export const RASTER_MAX_STROKE = 1;

/** "#rrggbb" → 0xrrggbb, or −1 for any other colour syntax (the canvas draws those). */
function hexColour(c: string | undefined): number {
  if (c === undefined || c.length !== 7 || c.charCodeAt(0) !== 35) return -1;
  const v = parseInt(c.slice(1), 16);
  return Number.isNaN(v) ? -1 : v;
}

/** Whether the platform stores the bytes of a 32-bit word lowest first (RGBA pixels read as one word). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export class RasterPaintContext implements PaintContext {
  private readonly canvas: CanvasPaintContext;
  private image?: { data: Uint8ClampedArray; width: number; height: number };
  /** The current path: points (x, y pairs, device pixels), subpath start indices (in points) and closed flags. */
  private xy = new Float64Array(1 << 12);
  private points = 0;
  private starts: number[] = [];
  private closed: boolean[] = [];
  /** Whether pixels were written to the canvas (a blank canvas is blank no more). */
  private flushed = false;
  /** Crossings of one pixel row (reused). */
  private cross = new Float64Array(64);

  /**
   * @param ctx the canvas's 2-D context (identity transform but for the uniform `scale`; any clip is not applied to
   *   the rasterised pixels, so keep paths inside the picture)
   * @param width, height the canvas's size in device pixels
   * @param scale device pixels per path unit (the device pixel ratio for paths in CSS pixels)
   * @param clip the rectangle drawn into (path units), as the canvas's clip; default the whole canvas
   * @param blank the canvas is known to be cleared: start from transparent pixels instead of reading them back
   */
  constructor(
    private readonly ctx: PixelCanvas2D,
    private readonly width: number,
    private readonly height: number,
    private readonly scale = 1,
    clip?: { x: number; y: number; w: number; h: number },
    private readonly blank = false,
  ) {
    this.canvas = new CanvasPaintContext(ctx);
    // Pixels drawn: those whose centre lies in the clip rectangle (path units), and on the canvas.
    const inside = (v: number) => Math.ceil(v * scale - 0.5);
    this.i0 = clip ? Math.max(0, inside(clip.x)) : 0;
    this.j0 = clip ? Math.max(0, inside(clip.y)) : 0;
    this.i1 = clip ? Math.min(width, inside(clip.x + clip.w)) : width;
    this.j1 = clip ? Math.min(height, inside(clip.y + clip.h)) : height;
  }

  /** The pixels drawn: columns i0 … i1 − 1, rows j0 … j1 − 1. */
  private readonly i0: number;
  private readonly j0: number;
  private readonly i1: number;
  private readonly j1: number;

  beginPath(): void {
    this.points = 0;
    this.starts.length = 0;
    this.closed.length = 0;
  }

  moveTo(x: number, y: number): void {
    this.starts.push(this.points);
    this.closed.push(false);
    this.push(x, y);
  }

  lineTo(x: number, y: number): void {
    if (this.starts.length === 0) this.moveTo(x, y);
    else this.push(x, y);
  }

  closePath(): void {
    if (this.closed.length) this.closed[this.closed.length - 1] = true;
  }

  private push(x: number, y: number): void {
    if (2 * this.points + 2 > this.xy.length) {
      const grown = new Float64Array(2 * this.xy.length);
      grown.set(this.xy);
      this.xy = grown;
    }
    this.xy[2 * this.points] = x * this.scale;
    this.xy[2 * this.points + 1] = y * this.scale;
    this.points++;
  }

  paint(s: PathStyle): void {
    const fill = s.fill === undefined || s.fill === "none" ? -2 : hexColour(s.fill);
    const stroke = s.stroke === undefined || s.stroke === "none" ? -2 : hexColour(s.stroke);
    const width = (s.strokeWidth ?? 1) * this.scale;
    const rasterStroke = stroke >= 0 && width < RASTER_MAX_STROKE && s.dash === undefined;
    if (fill === -1 || (stroke !== -2 && !rasterStroke && !(fill >= 0 && s.stroke === s.fill))) {
      this.toCanvas(s);
      return;
    }
    const image = this.pixels();
    if (fill >= 0) this.fillSubpaths(image.data, fill);
    if (rasterStroke && s.stroke !== s.fill) this.strokeSegments(image.data, stroke, width * (s.strokeOpacity ?? 1));
    this.beginPath();
  }

  /** Write the rasterised pixels to the canvas (before anything else draws on it). */
  flush(): void {
    if (!this.image) return;
    this.ctx.putImageData(this.image, 0, 0);
    this.image = undefined;
    this.flushed = true;
  }

  /** The pixels being drawn (RGBA, row-major, device pixels), for a caller that paints into them directly. */
  pixels(): { data: Uint8ClampedArray; width: number; height: number } {
    // Start from what the canvas holds (shading painted under the edges, say), or from nothing on a blank canvas
    // (which spares reading the pixels back); after a flush the canvas holds what was drawn.
    this.image ??= this.blank && !this.flushed ? this.ctx.createImageData(this.width, this.height) : this.ctx.getImageData(0, 0, this.width, this.height);
    return this.image;
  }

  /** Replay the path on the canvas and paint it there. */
  private toCanvas(s: PathStyle): void {
    this.flush();
    const c = this.canvas, sc = 1 / this.scale;
    c.beginPath();
    for (let k = 0; k < this.starts.length; k++) {
      const from = this.starts[k], to = k + 1 < this.starts.length ? this.starts[k + 1] : this.points;
      c.moveTo(this.xy[2 * from] * sc, this.xy[2 * from + 1] * sc);
      for (let i = from + 1; i < to; i++) c.lineTo(this.xy[2 * i] * sc, this.xy[2 * i + 1] * sc);
      if (this.closed[k]) c.closePath();
    }
    c.paint(s);
    this.beginPath();
  }

  /** Fill every subpath by the pixel-centre rule (even-odd within a subpath). */
  private fillSubpaths(data: Uint8ClampedArray, rgb: number): void {
    const r = rgb >> 16, g = (rgb >> 8) & 255, b = rgb & 255, W = this.width;
    // Whole pixels at once: one 32-bit word per pixel, in the byte order of the platform, filled natively per span.
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
    const word = LITTLE_ENDIAN ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
    const span = (j: number, i0: number, i1: number) => {
      words.fill(word, j * W + i0, j * W + i1 + 1);
    };
    for (let k = 0; k < this.starts.length; k++) {
      const from = this.starts[k], to = k + 1 < this.starts.length ? this.starts[k + 1] : this.points;
      this.spans(this.xy, from, to, span);
    }
  }

  /**
   * The pixels inside a polygon (vertices from … to − 1 of `xy`, in device pixels) by the pixel-centre rule (even-odd),
   * within the clip: `span(j, i0, i1)` for each run of pixels i0 … i1 of row j.
   */
  spans(xy: ArrayLike<number>, from: number, to: number, span: (j: number, i0: number, i1: number) => void): void {
    if (to - from < 3) return;
    let ymin = Infinity, ymax = -Infinity;
    for (let i = from; i < to; i++) {
      const y = xy[2 * i + 1];
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
    }
    // Rows whose centre j + 0.5 lies in [ymin, ymax).
    const j0 = Math.max(this.j0, Math.ceil(ymin - 0.5)), j1 = Math.min(this.j1 - 1, Math.ceil(ymax - 0.5) - 1);
    for (let j = j0; j <= j1; j++) {
      const yc = j + 0.5;
      let n = 0;
      for (let i = from; i < to; i++) {
        const i2 = i + 1 < to ? i + 1 : from;
        const y0 = xy[2 * i + 1], y1 = xy[2 * i2 + 1];
        // Half-open in y, so a vertex on the row is crossed once.
        if ((y0 <= yc && yc < y1) || (y1 <= yc && yc < y0)) {
          const x0 = xy[2 * i], x1 = xy[2 * i2];
          if (n === this.cross.length) {
            const grown = new Float64Array(2 * n);
            grown.set(this.cross);
            this.cross = grown;
          }
          this.cross[n++] = x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0);
        }
      }
      if (n < 2) continue;
      const cross = this.cross;
      // Insertion sort: a convex polygon has two crossings, any polygon few.
      for (let a = 1; a < n; a++) {
        const v = cross[a];
        let c = a - 1;
        while (c >= 0 && cross[c] > v) (cross[c + 1] = cross[c]), c--;
        cross[c + 1] = v;
      }
      for (let a = 0; a + 1 < n; a += 2) {
        // Pixels whose centre i + 0.5 lies in [xl, xr).
        const i0 = Math.max(this.i0, Math.ceil(cross[a] - 0.5)), i1 = Math.min(this.i1 - 1, Math.ceil(cross[a + 1] - 0.5) - 1);
        if (i0 <= i1) span(j, i0, i1);
      }
    }
  }

  /** Draw every segment of the path (closing segments of closed subpaths too) as a Wu line of ink `ink` ≤ 1. */
  private strokeSegments(data: Uint8ClampedArray, rgb: number, ink: number): void {
    const xy = this.xy;
    for (let k = 0; k < this.starts.length; k++) {
      const from = this.starts[k], to = k + 1 < this.starts.length ? this.starts[k + 1] : this.points;
      for (let i = from; i + 1 < to; i++) this.wuLine(data, rgb, ink, xy[2 * i], xy[2 * i + 1], xy[2 * i + 2], xy[2 * i + 3]);
      if (this.closed[k] && to - from > 2) this.wuLine(data, rgb, ink, xy[2 * (to - 1)], xy[2 * (to - 1) + 1], xy[2 * from], xy[2 * from + 1]);
    }
  }

  /** Blend `rgb` at alpha `a` over pixel (i, j) (source-over on straight alpha). */
  private blend(data: Uint8ClampedArray, rgb: number, a: number, i: number, j: number): void {
    if (i < this.i0 || j < this.j0 || i >= this.i1 || j >= this.j1 || a <= 0) return;
    const at = 4 * (j * this.width + i);
    if (data[at + 3] === 255) {
      // Over an opaque pixel (every pixel under the painter's edges is filled): out = dst + (src − dst)·a.
      data[at] += ((rgb >> 16) - data[at]) * a;
      data[at + 1] += (((rgb >> 8) & 255) - data[at + 1]) * a;
      data[at + 2] += ((rgb & 255) - data[at + 2]) * a;
      return;
    }
    const da = data[at + 3] / 255, oa = a + da * (1 - a);
    if (oa <= 0) return;
    const wd = (da * (1 - a)) / oa, ws = a / oa;
    data[at] = (rgb >> 16) * ws + data[at] * wd;
    data[at + 1] = ((rgb >> 8) & 255) * ws + data[at + 1] * wd;
    data[at + 2] = (rgb & 255) * ws + data[at + 2] * wd;
    data[at + 3] = 255 * oa;
  }

  /**
   * Xiaolin Wu's line from (x0, y0) to (x1, y1) in pixel coordinates (pixel (i, j) spans [i, i+1) × [j, j+1), its
   * centre at +0.5): along the major axis, one step per pixel, the ink shared between the two pixels nearest the line
   * in proportion to their distance; the end pixels get the fraction of their step the segment covers.
   */
  private wuLine(data: Uint8ClampedArray, rgb: number, ink: number, x0: number, y0: number, x1: number, y1: number): void {
    const steep = Math.abs(y1 - y0) > Math.abs(x1 - x0);
    // Work in (a, b) with a the major axis, in pixel-centre coordinates.
    let a0 = (steep ? y0 : x0) - 0.5, b0 = (steep ? x0 : y0) - 0.5, a1 = (steep ? y1 : x1) - 0.5, b1 = (steep ? x1 : y1) - 0.5;
    if (a0 > a1) {
      let t = a0;
      (a0 = a1), (a1 = t);
      (t = b0), (b0 = b1), (b1 = t);
    }
    const da = a1 - a0;
    if (da <= 0) return;
    const grad = (b1 - b0) / da;
    // A line of width w crosses hypot(1, grad) pixels' worth of ink per step along the major axis.
    const perStep = ink * Math.sqrt(1 + grad * grad);
    const first = Math.round(a0), last = Math.round(a1);
    for (let a = first; a <= last; a++) {
      // The share of this pixel's step [a − 0.5, a + 0.5) the segment covers.
      const cover = Math.min(a + 0.5, a1) - Math.max(a - 0.5, a0);
      if (cover <= 0) continue;
      const b = b0 + grad * (a - a0), bi = Math.floor(b), f = b - bi;
      const w = Math.min(1, perStep * cover);
      if (steep) {
        this.blend(data, rgb, w * (1 - f), bi, a);
        this.blend(data, rgb, w * f, bi + 1, a);
      } else {
        this.blend(data, rgb, w * (1 - f), a, bi);
        this.blend(data, rgb, w * f, a, bi + 1);
      }
    }
  }
}
