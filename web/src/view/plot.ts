/**
 * The live picture on the page: two stacked canvases. The base canvas shows the exact partition, painted off the
 * main thread by the partition worker (an OffscreenCanvas; see painter.ts). The overlay canvas, drawn here, holds
 * what changes with the pointer: training and test points, the hovered region and a hovered unit's bent hyperplane.
 * Dragging pans and the wheel zooms about the cursor; until the worker has painted the new rectangle, the last
 * picture is moved with a CSS transform, so pan and zoom follow the pointer at once whatever the network's size.
 */
import { classColour, type LabelledPoints, type PlaneRect } from "tessera";
import type { PackedPartition } from "../partition/packed.ts";
import { niceTicks, previewMatrix, setPlaneTransform, viewLayout } from "./layout.ts";
import { addPolygon, strokeWithHalo, type PaintSize } from "./painter.ts";
import { valueColour } from "./unit-output.ts";

/** Zoom factor per wheel notch (100 px of deltaY). */
const ZOOM_PER_NOTCH = 1.15;
/** Pointer travel (px) below which a press counts as a click, not a pan. */
const DRAG_SLOP = 3;
/** Narrowest and widest view the wheel allows (plane units), so the partition stays well conditioned. */
const MIN_SPAN = 1e-6, MAX_SPAN = 1e6;

/** The picture's canvases and interactions. */
export class PlotView {
  /** The rectangle shown (what the next partition covers). */
  view: PlaneRect;
  showTrain = true;
  showTest = true;
  /** Called when pan or zoom changed the view. */
  onViewChange: (view: PlaneRect) => void = () => {};
  /** Called with the plane point under the pointer (null when it leaves). */
  onHover: (point: [number, number] | null) => void = () => {};
  /** Called with the plane point of a click (a press and release without a drag). */
  onClick: (point: [number, number]) => void = () => {};
  /** Called when the canvas changed size (the painter must repaint). */
  onResize: (size: PaintSize) => void = () => {};

  private shown?: PackedPartition;
  private train?: LabelledPoints;
  private test?: LabelledPoints;
  private hoverPolygon = -1;
  private selected = -1;
  private unitPath?: Path2D;
  private frame = 0;
  /** The layer of points, frame and ticks, and what it was drawn for (see draw). */
  private staticLayer?: HTMLCanvasElement;
  private staticKey = "";
  private pointsVersion = 0;
  private values?: { train: Float64Array; test: Float64Array };
  private readonly ctx: CanvasRenderingContext2D;
  /** CSS size, kept from the ResizeObserver (reading clientWidth would force a layout on every frame). */
  private cssSize: { width: number; height: number };

  constructor(readonly base: HTMLCanvasElement, readonly overlay: HTMLCanvasElement, view: PlaneRect) {
    this.view = view;
    this.ctx = overlay.getContext("2d")!;
    this.cssSize = { width: overlay.clientWidth || 600, height: overlay.clientHeight || 600 };
    this.attachPointer();
    new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      if (box.width === this.cssSize.width && box.height === this.cssSize.height) return;
      this.cssSize = { width: box.width || 600, height: box.height || 600 };
      this.onResize(this.size());
      this.schedule();
    }).observe(overlay);
  }

  /** CSS size of the picture and the device pixel ratio. */
  size(): PaintSize {
    return { ...this.cssSize, dpr: window.devicePixelRatio || 1 };
  }

  /** The partition now painted on the base canvas. */
  setShown(p: PackedPartition): void {
    this.shown = p;
    this.hoverPolygon = -1;
    this.selected = -1;
    this.unitPath = undefined;
    this.schedule();
  }

  /** The data's points; a regression's are coloured by their targets (`values`), a classifier's by class. */
  setPoints(train: LabelledPoints, test: LabelledPoints, values?: { train: Float64Array; test: Float64Array }): void {
    this.train = train;
    this.test = test;
    this.values = values;
    this.pointsVersion++;
    this.schedule();
  }

  setView(view: PlaneRect): void {
    this.view = view;
    this.schedule();
  }

  /** Mark this polygon of the shown partition as the inspected one (−1: none). */
  setSelected(k: number): void {
    this.selected = k;
    this.schedule();
  }

  /** Outline this polygon of the shown partition (−1: none). */
  setHoverPolygon(k: number): void {
    if (k === this.hoverPolygon) return;
    this.hoverPolygon = k;
    this.schedule();
  }

  /**
   * Highlight the bent hyperplane of a hidden unit (null: none): the region edges its zero set carries. Returns the
   * number of pieces in view (every edge inside the rectangle is shared by two regions and counted once).
   */
  setHighlightUnit(unit: number | null): number {
    this.unitPath = undefined;
    let pieces = 0;
    const p = this.shown;
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
    return pieces / 2;
  }

  /** Redraw the overlay at the next animation frame. */
  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Plane coordinates of a point given in CSS pixels relative to the canvas. */
  toPlane(px: number, py: number): [number, number] {
    const { width, height } = this.size();
    const { s, ox, oy } = viewLayout(width, height, this.view);
    return [this.view.umin + (px - ox) / s, this.view.vmax - (py - oy) / s];
  }

  /** Draw the overlay and place the base picture (moved by CSS while it shows another rectangle than the view). */
  draw(): void {
    const { width: w, height: h, dpr } = this.size();
    const pw = Math.round(w * dpr), ph = Math.round(h * dpr);
    if (this.overlay.width !== pw || this.overlay.height !== ph) {
      this.overlay.width = pw;
      this.overlay.height = ph;
    }
    const v = this.view, p = this.shown;
    if (p) {
      const [a, bx, by] = previewMatrix(w, h, p.rect, v);
      this.base.style.transform = a === 1 && bx === 0 && by === 0 ? "" : `matrix(${a}, 0, 0, ${a}, ${bx}, ${by})`;
    }
    const ctx = this.ctx;
    const layout = viewLayout(w, h, v);
    const { s, ox, oy } = layout;
    const plotW = s * (v.umax - v.umin), plotH = s * (v.vmax - v.vmin);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.save();
    ctx.beginPath();
    ctx.rect(ox, oy, plotW, plotH);
    ctx.clip();
    if (p && (this.unitPath || this.hoverPolygon >= 0 || this.selected >= 0)) {
      const px = setPlaneTransform(ctx, layout, v, dpr);
      ctx.lineJoin = "round";
      ctx.lineCap = "round";
      if (this.unitPath) strokeWithHalo(ctx, this.unitPath, "#d00060", 3, 6, px);
      if (this.selected >= 0 && this.selected + 1 < p.polyStart.length) {
        const sp = new Path2D();
        addPolygon(sp, p.coords, p.polyStart[this.selected], p.polyStart[this.selected + 1]);
        ctx.setLineDash([6 * px, 4 * px]);
        strokeWithHalo(ctx, sp, "#7c2d12", 2.5, 5, px);
        ctx.setLineDash([]);
      }
      if (this.hoverPolygon >= 0) {
        const hp = new Path2D();
        addPolygon(hp, p.coords, p.polyStart[this.hoverPolygon], p.polyStart[this.hoverPolygon + 1]);
        ctx.fillStyle = "rgba(255, 255, 255, 0.35)";
        ctx.fill(hp);
        ctx.strokeStyle = "#111827";
        ctx.lineWidth = 2 * px;
        ctx.stroke(hp);
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    ctx.restore();
    // Points, frame and ticks change only with the view, the size or the points: drawn once into a layer of their
    // own and copied over the highlights here, so a hover redraws one polygon, not hundreds of dots and labels.
    const key = `${pw}x${ph}|${v.umin},${v.umax},${v.vmin},${v.vmax}|${this.showTrain}${this.showTest}|${this.pointsVersion}`;
    if (key !== this.staticKey) {
      this.staticKey = key;
      const layer = (this.staticLayer ??= document.createElement("canvas"));
      if (layer.width !== pw || layer.height !== ph) {
        layer.width = pw;
        layer.height = ph;
      }
      const sctx = layer.getContext("2d")!;
      sctx.setTransform(1, 0, 0, 1, 0, 0);
      sctx.clearRect(0, 0, pw, ph);
      sctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.drawStatic(sctx, ox, oy, s, plotW, plotH);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.staticLayer!, 0, 0);
  }

  /** Training and test points, the frame and the axis ticks, in CSS pixels. */
  private drawStatic(ctx: CanvasRenderingContext2D, ox: number, oy: number, s: number, plotW: number, plotH: number): void {
    const v = this.view;
    ctx.save();
    ctx.beginPath();
    ctx.rect(ox, oy, plotW, plotH);
    ctx.clip();
    const X = (u: number) => ox + (u - v.umin) * s, Y = (t: number) => oy + (v.vmax - t) * s;
    const dots = (pts: LabelledPoints | undefined, ring: boolean, values: Float64Array | undefined) => {
      if (!pts) return;
      for (let i = 0; i < pts.y.length; i++) {
        // A regression's point in its target's colour (white at 0, so outlined in grey), a classifier's by class.
        const colour = values ? valueColour(values[i]) : classColour(pts.y[i]);
        ctx.beginPath();
        ctx.arc(X(pts.x[2 * i]), Y(pts.x[2 * i + 1]), ring ? 3.2 : 3.4, 0, 2 * Math.PI);
        // Test points are rings in their class colour; a regression's test point is its colour in a dark ring.
        ctx.fillStyle = ring && !values ? "#ffffff" : colour;
        ctx.fill();
        ctx.strokeStyle = values ? (ring ? "#111827" : "#6b7280") : ring ? colour : "#ffffff";
        ctx.lineWidth = ring ? 1.8 : 0.9;
        ctx.stroke();
      }
    };
    if (this.showTrain) dots(this.train, false, this.values?.train);
    if (this.showTest) dots(this.test, true, this.values?.test);
    ctx.restore();
    ctx.strokeStyle = "#111827";
    ctx.lineWidth = 1;
    ctx.strokeRect(ox + 0.5, oy + 0.5, plotW - 1, plotH - 1);
    this.drawTicks(ctx, X, Y, ox, oy, plotW, plotH);
  }

  /** Axis ticks with their values along the bottom (x1) and left (x2) edges of the view, inside the picture. */
  private drawTicks(ctx: CanvasRenderingContext2D, X: (u: number) => number, Y: (v: number) => number, ox: number, oy: number, plotW: number, plotH: number): void {
    const v = this.view;
    const label = (x: number, d: number) => (Math.abs(x) < 1e-12 * (v.umax - v.umin + v.vmax - v.vmin) ? "0" : x.toFixed(d));
    ctx.font = "11px DejaVu Sans, sans-serif";
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#111827";
    const halo = (text: string, x: number, y: number) => {
      ctx.strokeStyle = "rgba(255, 255, 255, 0.85)";
      ctx.lineWidth = 3;
      ctx.strokeText(text, x, y);
      ctx.fillStyle = "#111827";
      ctx.fillText(text, x, y);
    };
    const tu = niceTicks(v.umin, v.umax, Math.max(2, Math.round(plotW / 90)));
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    for (const u of tu.values) {
      const x = Math.round(X(u)) + 0.5;
      ctx.strokeStyle = "#111827";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, oy + plotH);
      ctx.lineTo(x, oy + plotH - 5);
      ctx.stroke();
      if (x - ox > 14 && ox + plotW - x > 14) halo(label(u, tu.decimals), x, oy + plotH - 6);
    }
    const tv = niceTicks(v.vmin, v.vmax, Math.max(2, Math.round(plotH / 90)));
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    for (const t of tv.values) {
      const y = Math.round(Y(t)) + 0.5;
      ctx.strokeStyle = "#111827";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(ox, y);
      ctx.lineTo(ox + 5, y);
      ctx.stroke();
      if (y - oy > 10 && oy + plotH - y > 18) halo(label(t, tv.decimals), ox + 7, y);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    halo("x1 →", ox + plotW - 4, oy + plotH - 18);
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    halo("↑ x2", ox + 4, oy + 4);
  }

  private attachPointer(): void {
    const c = this.overlay;
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
        const { width, height } = this.size();
        const { s } = viewLayout(width, height, drag.view);
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
    c.addEventListener("pointerup", (e) => {
      const clicked = drag && !drag.moved;
      end();
      if (clicked) this.onClick(this.toPlane(...local(e)));
    });
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
