/**
 * The live picture: a canvas showing the packed exact partition of the view rectangle (regions filled by predicted
 * class or one colour per activation pattern, thin region edges, the class boundary thick over a white halo, as
 * `renderPartitionSvg` draws them), the training and test points, a hovered region and a hovered unit's bent
 * hyperplane. Paths are built once per partition in plane coordinates, so pan and zoom only change the transform;
 * dragging pans and the wheel zooms about the cursor, and every change of the view is reported for re-partitioning.
 */
import type { PlaneRect } from "../../../src/geometry/slice.ts";
import type { LabelledPoints } from "../../../src/data/dataset.ts";
import { classColour, classFill, patternColour } from "../../../src/render/svg.ts";
import type { PackedPartition } from "../partition/packed.ts";

/** Zoom factor per wheel notch (100 px of deltaY). */
const ZOOM_PER_NOTCH = 1.15;
/** Pointer travel (px) below which a press counts as a click, not a pan. */
const DRAG_SLOP = 3;
/** Narrowest and widest view the wheel allows (plane units), so the partition stays well conditioned. */
const MIN_SPAN = 1e-6, MAX_SPAN = 1e6;

/** Paths of one partition, in plane coordinates. */
interface Paths {
  fills: { colour: string; path: Path2D }[];
  edges: Path2D;
  boundary: Path2D;
  domain: Path2D;
}

/**
 * Region edge width in CSS pixels from the mean area a polygon takes on screen: 0.9 px while polygons are larger
 * than about 40×40 px, thinning to 0.3 px as they shrink, so thousands of small regions stay readable.
 */
function edgeWidth(plotPixels: number, polygons: number): number {
  const side = Math.sqrt(plotPixels / Math.max(1, polygons));
  return Math.min(0.9, Math.max(0.3, side / 45));
}

/** Is (x, y) inside the counter-clockwise convex polygon with vertices from..to−1 of `coords` (edges included)? */
export function insideConvex(coords: Float64Array, from: number, to: number, x: number, y: number): boolean {
  for (let i = from; i < to; i++) {
    const j = i + 1 < to ? i + 1 : from;
    const ax = coords[2 * i], ay = coords[2 * i + 1];
    if ((coords[2 * j] - ax) * (y - ay) - (coords[2 * j + 1] - ay) * (x - ax) < 0) return false;
  }
  return true;
}

/** Index of the polygon of a packed partition that holds (x, y), or −1. */
export function polygonAt(p: PackedPartition, x: number, y: number): number {
  const n = p.polyStart.length - 1;
  for (let k = 0; k < n; k++) if (insideConvex(p.coords, p.polyStart[k], p.polyStart[k + 1], x, y)) return k;
  return -1;
}

function polygonPath(path: Path2D, coords: Float64Array, from: number, to: number): void {
  path.moveTo(coords[2 * from], coords[2 * from + 1]);
  for (let i = from + 1; i < to; i++) path.lineTo(coords[2 * i], coords[2 * i + 1]);
  path.closePath();
}

/** The canvas view of the explorer. */
export class PlotView {
  /** The rectangle shown (what the next partition covers). */
  view: PlaneRect;
  colouring: "class" | "pattern" = "class";
  showEdges = true;
  showTrain = true;
  showTest = true;
  /** Called when pan or zoom changed the view (after the picture moved). */
  onViewChange: (view: PlaneRect) => void = () => {};
  /** Called after every redraw with its duration in milliseconds. */
  onDrawn: (ms: number) => void = () => {};
  /** Called with the plane point under the pointer (null when it leaves). */
  onHover: (point: [number, number] | null) => void = () => {};

  private partition?: PackedPartition;
  private paths?: Paths;
  private train?: LabelledPoints;
  private test?: LabelledPoints;
  private hoverPolygon = -1;
  private unitPath?: Path2D;
  private frame = 0;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(readonly canvas: HTMLCanvasElement, view: PlaneRect) {
    this.view = view;
    this.ctx = canvas.getContext("2d")!;
    this.attachPointer();
    new ResizeObserver(() => this.schedule()).observe(canvas);
  }

  setPartition(p: PackedPartition): void {
    this.partition = p;
    this.paths = undefined;
    this.hoverPolygon = -1;
    this.unitPath = undefined;
    this.schedule();
  }

  setPoints(train: LabelledPoints, test: LabelledPoints): void {
    this.train = train;
    this.test = test;
    this.schedule();
  }

  setView(view: PlaneRect): void {
    this.view = view;
    this.schedule();
  }

  /** Outline this polygon of the current partition (−1: none). */
  setHoverPolygon(k: number): void {
    if (k === this.hoverPolygon) return;
    this.hoverPolygon = k;
    this.schedule();
  }

  /** Highlight the bent hyperplane of a hidden unit: every region edge its zero set carries (null: none). */
  setHighlightUnit(unit: number | null): number {
    this.unitPath = undefined;
    let pieces = 0;
    const p = this.partition;
    if (unit !== null && p) {
      const path = new Path2D();
      for (let k = 0; k + 1 < p.polyStart.length; k++) {
        const from = p.polyStart[k], to = p.polyStart[k + 1];
        for (let i = from; i < to; i++) {
          if (p.labels[i] !== unit) continue;
          const j = i + 1 < to ? i + 1 : from;
          path.moveTo(p.coords[2 * i], p.coords[2 * i + 1]);
          path.lineTo(p.coords[2 * j], p.coords[2 * j + 1]);
          pieces++;
        }
      }
      this.unitPath = path;
    }
    this.schedule();
    return pieces / 2; // every edge inside the view is shared by two regions
  }

  /** Redraw at the next animation frame (many changes per frame draw once). */
  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Pixel scale and offsets of the view inside the canvas (equal scales on both axes, centred). */
  private layout(): { w: number; h: number; s: number; ox: number; oy: number } {
    const w = this.canvas.clientWidth || this.canvas.width, h = this.canvas.clientHeight || this.canvas.height;
    const v = this.view, du = v.umax - v.umin, dv = v.vmax - v.vmin;
    const s = Math.min(w / du, h / dv);
    return { w, h, s, ox: (w - s * du) / 2, oy: (h - s * dv) / 2 };
  }

  /** Plane coordinates of a point given in CSS pixels relative to the canvas. */
  toPlane(px: number, py: number): [number, number] {
    const { s, ox, oy } = this.layout();
    return [this.view.umin + (px - ox) / s, this.view.vmax - (py - oy) / s];
  }

  private buildPaths(p: PackedPartition): Paths {
    const n = p.polyStart.length - 1;
    const fills: Paths["fills"] = [];
    if (this.colouring === "class") {
      const byClass = new Map<number, Path2D>();
      for (let k = 0; k + 1 < p.cellStart.length; k++) {
        const cls = p.cellClass[k];
        let path = byClass.get(cls);
        if (!path) byClass.set(cls, (path = new Path2D()));
        polygonPath(path, p.cellCoords, p.cellStart[k], p.cellStart[k + 1]);
      }
      for (const [cls, path] of [...byClass].sort((a, b) => a[0] - b[0])) fills.push({ colour: classFill(cls), path });
    } else {
      const byColour = new Map<string, Path2D>();
      for (let k = 0; k < n; k++) {
        const colour = patternColour(p.patterns.subarray(k * p.units, (k + 1) * p.units));
        let path = byColour.get(colour);
        if (!path) byColour.set(colour, (path = new Path2D()));
        polygonPath(path, p.coords, p.polyStart[k], p.polyStart[k + 1]);
      }
      for (const [colour, path] of byColour) fills.push({ colour, path });
    }
    const edges = new Path2D();
    for (let k = 0; k < n; k++) polygonPath(edges, p.coords, p.polyStart[k], p.polyStart[k + 1]);
    const boundary = new Path2D();
    for (let k = 0; k + 1 < p.lineStart.length; k++) {
      const from = p.lineStart[k], to = p.lineStart[k + 1];
      boundary.moveTo(p.lineCoords[2 * from], p.lineCoords[2 * from + 1]);
      for (let i = from + 1; i < to; i++) boundary.lineTo(p.lineCoords[2 * i], p.lineCoords[2 * i + 1]);
      if (p.lineClosed[k]) boundary.closePath();
    }
    const r = p.rect, domain = new Path2D();
    domain.rect(r.umin, r.vmin, r.umax - r.umin, r.vmax - r.vmin);
    return { fills, edges, boundary, domain };
  }

  /** Rebuild the fills (after a change of colouring). */
  invalidate(): void {
    this.paths = undefined;
    this.schedule();
  }

  /** Draw everything now. */
  draw(): void {
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const { w, h, s, ox, oy } = this.layout();
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    const ctx = this.ctx, v = this.view;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const plotW = s * (v.umax - v.umin), plotH = s * (v.vmax - v.vmin);
    // Not yet partitioned (while a pan or zoom waits for its partition): light grey.
    ctx.fillStyle = "#eceef1";
    ctx.fillRect(ox, oy, plotW, plotH);
    ctx.save();
    ctx.beginPath();
    ctx.rect(ox, oy, plotW, plotH);
    ctx.clip();
    const p = this.partition;
    if (p) {
      this.paths ??= this.buildPaths(p);
      const paths = this.paths;
      // Plane → pixels: x = ox + (u − umin)·s, y = oy + (vmax − v)·s.
      ctx.setTransform(dpr * s, 0, 0, -dpr * s, dpr * (ox - v.umin * s), dpr * (oy + v.vmax * s));
      const px = 1 / s; // one CSS pixel in plane units
      ctx.lineJoin = "round";
      for (const f of paths.fills) {
        ctx.fillStyle = f.colour;
        ctx.fill(f.path);
        // A hairline of the fill colour closes anti-aliasing seams between cells of one colour.
        ctx.strokeStyle = f.colour;
        ctx.lineWidth = 0.6 * px;
        ctx.stroke(f.path);
      }
      if (this.showEdges) {
        ctx.strokeStyle = "rgba(55, 65, 81, 0.75)";
        ctx.lineWidth = edgeWidth(plotW * plotH, p.polyStart.length - 1) * px;
        ctx.stroke(paths.edges);
      }
      ctx.lineCap = "round";
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 5 * px;
      ctx.stroke(paths.boundary);
      ctx.strokeStyle = "#000000";
      ctx.lineWidth = 2.4 * px;
      ctx.stroke(paths.boundary);
      if (this.unitPath) {
        ctx.strokeStyle = "#ffffff";
        ctx.lineWidth = 6 * px;
        ctx.stroke(this.unitPath);
        ctx.strokeStyle = "#d00060";
        ctx.lineWidth = 3 * px;
        ctx.stroke(this.unitPath);
      }
      if (this.hoverPolygon >= 0) {
        const hp = new Path2D();
        polygonPath(hp, p.coords, p.polyStart[this.hoverPolygon], p.polyStart[this.hoverPolygon + 1]);
        ctx.fillStyle = "rgba(255, 255, 255, 0.35)";
        ctx.fill(hp);
        ctx.strokeStyle = "#111827";
        ctx.lineWidth = 2 * px;
        ctx.stroke(hp);
      }
      ctx.strokeStyle = "#111827";
      ctx.lineWidth = 1.2 * px;
      ctx.stroke(paths.domain);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    const X = (u: number) => ox + (u - v.umin) * s, Y = (t: number) => oy + (v.vmax - t) * s;
    const dots = (pts: LabelledPoints | undefined, ring: boolean) => {
      if (!pts) return;
      for (let i = 0; i < pts.y.length; i++) {
        ctx.beginPath();
        ctx.arc(X(pts.x[2 * i]), Y(pts.x[2 * i + 1]), ring ? 3.2 : 3.4, 0, 2 * Math.PI);
        if (ring) {
          ctx.fillStyle = "#ffffff";
          ctx.fill();
          ctx.strokeStyle = classColour(pts.y[i]);
          ctx.lineWidth = 1.8;
        } else {
          ctx.fillStyle = classColour(pts.y[i]);
          ctx.fill();
          ctx.strokeStyle = "#ffffff";
          ctx.lineWidth = 0.9;
        }
        ctx.stroke();
      }
    };
    if (this.showTrain) dots(this.train, false);
    if (this.showTest) dots(this.test, true);
    ctx.restore();
    ctx.strokeStyle = "#111827";
    ctx.lineWidth = 1;
    ctx.strokeRect(ox + 0.5, oy + 0.5, plotW - 1, plotH - 1);
    this.onDrawn(performance.now() - t0);
  }

  private attachPointer(): void {
    const c = this.canvas;
    let drag: { x: number; y: number; view: PlaneRect; moved: boolean } | undefined;
    const local = (e: MouseEvent): [number, number] => {
      const r = c.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    c.addEventListener("pointerdown", (e) => {
      const [x, y] = local(e);
      drag = { x, y, view: { ...this.view }, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      const [x, y] = local(e);
      if (drag) {
        if (!drag.moved && Math.hypot(x - drag.x, y - drag.y) < DRAG_SLOP) return;
        drag.moved = true;
        const { s } = this.layout();
        const du = (x - drag.x) / s, dv = (y - drag.y) / s;
        const v = drag.view;
        this.setView({ umin: v.umin - du, umax: v.umax - du, vmin: v.vmin + dv, vmax: v.vmax + dv });
        this.onViewChange(this.view);
        return;
      }
      this.onHover(this.toPlane(x, y));
    });
    const end = () => {
      drag = undefined;
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("pointerleave", () => {
      if (!drag) this.onHover(null);
    });
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const [x, y] = local(e);
        const [u, t] = this.toPlane(x, y);
        const f = Math.pow(ZOOM_PER_NOTCH, e.deltaY / 100);
        const v = this.view;
        const span = Math.max(v.umax - v.umin, v.vmax - v.vmin) * f;
        if (span < MIN_SPAN || span > MAX_SPAN) return;
        this.setView({ umin: u - (u - v.umin) * f, umax: u + (v.umax - u) * f, vmin: t - (t - v.vmin) * f, vmax: t + (v.vmax - t) * f });
        this.onViewChange(this.view);
      },
      { passive: false },
    );
  }
}
