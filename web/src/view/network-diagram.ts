/**
 * The network diagram: one column of nodes per layer (inputs, hidden units, outputs) and one line per weight,
 * blue for positive and orange for negative weights, thicker and darker for larger ones (TensorFlow Playground's
 * convention). Hovering a hidden unit reports its pattern index, so the picture can highlight its bent hyperplane.
 * The nodes are SVG (rebuilt only when the architecture changes); the weight lines are drawn on a canvas behind
 * them, batched into one path per sign and strength level, so thousands of weights cost a few strokes per update
 * rather than restyling thousands of SVG elements (8,448 lines of 2-64-64-64-2 made every update a long frame).
 */
import { activationName, classColour, hiddenLayers, type Network, outputWidthOf, unitsOf } from "tessera";

const SVG_NS = "http://www.w3.org/2000/svg";
const WIDTH = 360, HEIGHT = 250, PAD_X = 26, PAD_TOP = 22, PAD_BOTTOM = 12;
/** Lines of weights below this share of the layer's largest |w| are barely drawn. */
const FAINT = 0.04;
/** Layers with more weights than this get no lines (tens of thousands of lines are a grey blur at this size). */
const MAX_LINES_PER_LAYER = 4096;
/** Strength levels of the batched line paths: |w| / max |w| is rounded to one of these many steps. */
const LEVELS = 12;

/** What a hovered hidden unit is. */
export interface UnitInfo {
  /** Index in the activation pattern. */
  unit: number;
  /** 1-based hidden layer and 0-based unit within it. */
  layer: number;
  index: number;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** The shape that decides whether the SVG can be kept: widths and activation names. */
function signature(net: Network): string {
  return `${net.inputDim}|${net.layers.map((l) => `${l.outDim}:${activationName(l.activation)}`).join(",")}`;
}

/** Column sizes: inputs, hidden units, outputs. */
function columns(net: Network): number[] {
  return [net.inputDim, ...net.layers.map(outputWidthOf)];
}

/** Mean incoming weight from input k to unit j of a layer (maxout: averaged over the unit's pieces). */
function weightOf(net: Network, l: number, j: number, k: number): number {
  const layer = net.layers[l];
  const rank = layer.activation.kind === "maxout" ? layer.activation.rank : 1;
  let s = 0;
  for (let p = 0; p < rank; p++) s += layer.weights[(j * rank + p) * layer.inDim + k];
  return s / rank;
}

/** The diagram inside a container element. */
export class NetworkDiagram {
  /** Called when the pointer enters a hidden unit (null when it leaves). */
  onHoverUnit: (info: UnitInfo | null) => void = () => {};
  /** Called when a hidden unit is clicked. */
  onClickUnit: (info: UnitInfo) => void = () => {};
  private svg?: SVGSVGElement;
  private readonly canvas: HTMLCanvasElement;
  private sig = "";
  /** Per layer: the end points of every drawn weight line (x1, y1, x2, y2 in viewBox units), unit j's row first. */
  private lines: Float32Array[] = [];

  constructor(private readonly container: HTMLElement) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "diagram-lines";
  }

  /** Show a network (rebuilding the SVG only when the architecture changed). */
  setNetwork(net: Network): void {
    const sig = signature(net);
    if (sig !== this.sig) this.build(net, sig);
    this.restyle(net);
  }

  private build(net: Network, sig: string): void {
    this.sig = sig;
    const cols = columns(net);
    const svg = el("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: "100%", "font-family": "DejaVu Sans, sans-serif", role: "img" });
    const xs = cols.map((_, i) => PAD_X + ((WIDTH - 2 * PAD_X) * i) / (cols.length - 1));
    const ys = cols.map((n) => Array.from({ length: n }, (_, i) => PAD_TOP + ((HEIGHT - PAD_TOP - PAD_BOTTOM) * (i + 0.5)) / n));
    const spacing = Math.min(...cols.map((n) => (HEIGHT - PAD_TOP - PAD_BOTTOM) / n));
    const r = Math.max(2, Math.min(8, spacing * 0.38));
    this.lines = net.layers.map((_, l) => {
      const n = cols[l + 1] * cols[l] > MAX_LINES_PER_LAYER ? 0 : cols[l + 1] * cols[l];
      const ends = new Float32Array(4 * n);
      for (let q = 0; q < n; q++) {
        const j = Math.floor(q / cols[l]), k = q % cols[l];
        ends.set([xs[l], ys[l][k], xs[l + 1], ys[l + 1][j]], 4 * q);
      }
      return ends;
    });
    const hidden = hiddenLayers(net);
    let offset = 0;
    cols.forEach((n, c) => {
      const isHidden = c > 0 && c <= hidden.length;
      const label = c === 0 ? "input" : isHidden ? `${n}` : "output";
      svg.append(Object.assign(el("text", { x: xs[c], y: 12, "font-size": 11, "text-anchor": "middle", fill: "#4b5563" }), { textContent: label }));
      const layerOffset = offset;
      for (let i = 0; i < n; i++) {
        const fill = c === 0 ? "#6b7280" : isHidden ? "#ffffff" : classColour(i);
        const node = el("circle", { cx: xs[c], cy: ys[c][i], r, fill, stroke: "#111827", "stroke-width": 1 });
        if (isHidden) {
          const info: UnitInfo = { unit: layerOffset + i, layer: c, index: i };
          node.classList.add("unit");
          node.dataset.unit = String(info.unit);
          node.addEventListener("pointerenter", () => {
            node.setAttribute("fill", "#d00060");
            this.onHoverUnit(info);
          });
          node.addEventListener("click", () => this.onClickUnit(info));
          node.addEventListener("pointerleave", () => {
            node.setAttribute("fill", "#ffffff");
            this.onHoverUnit(null);
          });
        }
        svg.append(node);
      }
      if (isHidden) offset += unitsOf(hidden[c - 1]);
    });
    this.container.replaceChildren(this.canvas, svg);
    this.svg = svg;
  }

  private restyle(net: Network): void {
    const cols = columns(net);
    const dpr = window.devicePixelRatio || 1;
    const cssWidth = this.container.clientWidth || WIDTH;
    const scale = (cssWidth / WIDTH) * dpr;
    const pw = Math.round(WIDTH * scale), ph = Math.round(HEIGHT * scale);
    if (this.canvas.width !== pw || this.canvas.height !== ph) {
      this.canvas.width = pw;
      this.canvas.height = ph;
    }
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, pw, ph);
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.lineCap = "round";
    net.layers.forEach((_, l) => {
      const n = cols[l], ends = this.lines[l], count = ends.length / 4;
      if (count === 0) return;
      let max = 0;
      const w = new Float64Array(count);
      for (let q = 0; q < count; q++) {
        w[q] = weightOf(net, l, Math.floor(q / n), q % n);
        max = Math.max(max, Math.abs(w[q]));
      }
      // One path per sign and strength level: a handful of strokes per layer.
      const paths: (Path2D | undefined)[] = new Array(2 * (LEVELS + 1));
      for (let q = 0; q < count; q++) {
        const level = max > 0 ? Math.round((LEVELS * Math.abs(w[q])) / max) : 0;
        const slot = 2 * level + (w[q] >= 0 ? 0 : 1);
        const path = (paths[slot] ??= new Path2D());
        path.moveTo(ends[4 * q], ends[4 * q + 1]);
        path.lineTo(ends[4 * q + 2], ends[4 * q + 3]);
      }
      const thin = count > 400 ? 0.6 : 1;
      paths.forEach((path, slot) => {
        if (!path) return;
        const t = Math.floor(slot / 2) / LEVELS;
        ctx.strokeStyle = slot % 2 === 0 ? classColour(0) : classColour(1);
        ctx.globalAlpha = t < FAINT ? 0.08 : 0.15 + 0.75 * t;
        ctx.lineWidth = thin * (0.4 + 3 * t);
        ctx.stroke(path);
      });
    });
    ctx.globalAlpha = 1;
    this.svg?.setAttribute("data-signature", this.sig);
  }
}
