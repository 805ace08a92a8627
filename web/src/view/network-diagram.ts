/**
 * The network diagram: one column of nodes per layer (inputs, hidden units, outputs) and one line per weight,
 * blue for positive and orange for negative weights, thicker and darker for larger ones (TensorFlow Playground's
 * convention). Hovering a hidden unit reports its pattern index, so the picture can highlight its bent hyperplane.
 * The SVG is rebuilt when the architecture changes; otherwise only the weight lines are restyled.
 */
import type { Network } from "../../../src/model/network.ts";
import { activationName, hiddenLayers, outputWidthOf, unitsOf } from "../../../src/model/network.ts";
import { classColour } from "../../../src/render/svg.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const WIDTH = 360, HEIGHT = 250, PAD_X = 26, PAD_TOP = 22, PAD_BOTTOM = 12;
/** Lines of weights below this share of the layer's largest |w| are barely drawn. */
const FAINT = 0.04;
/** Layers with more weights than this get no lines (tens of thousands of SVG lines would slow the page down). */
const MAX_LINES_PER_LAYER = 4096;

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
  private svg?: SVGSVGElement;
  private sig = "";
  private lines: SVGLineElement[][] = [];

  constructor(private readonly container: HTMLElement) {}

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
    const edges = el("g", {});
    svg.append(edges);
    this.lines = net.layers.map((layer, l) =>
      Array.from({ length: cols[l + 1] * cols[l] > MAX_LINES_PER_LAYER ? 0 : cols[l + 1] * cols[l] }, (_, q) => {
        const j = Math.floor(q / cols[l]), k = q % cols[l];
        const line = el("line", { x1: xs[l], y1: ys[l][k], x2: xs[l + 1], y2: ys[l + 1][j], "stroke-linecap": "round" });
        edges.append(line);
        return line;
      }),
    );
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
          node.addEventListener("pointerleave", () => {
            node.setAttribute("fill", "#ffffff");
            this.onHoverUnit(null);
          });
        }
        svg.append(node);
      }
      if (isHidden) offset += unitsOf(hidden[c - 1]);
    });
    this.container.replaceChildren(svg);
    this.svg = svg;
  }

  private restyle(net: Network): void {
    const cols = columns(net);
    net.layers.forEach((_, l) => {
      const n = cols[l];
      let max = 0;
      const w = this.lines[l].map((_, q) => {
        const v = weightOf(net, l, Math.floor(q / n), q % n);
        max = Math.max(max, Math.abs(v));
        return v;
      });
      const thin = this.lines[l].length > 400 ? 0.6 : 1;
      this.lines[l].forEach((line, q) => {
        const t = max > 0 ? Math.abs(w[q]) / max : 0;
        line.setAttribute("stroke", w[q] >= 0 ? classColour(0) : classColour(1));
        line.setAttribute("stroke-width", (thin * (0.4 + 3 * t)).toFixed(2));
        line.setAttribute("stroke-opacity", (t < FAINT ? 0.08 : 0.15 + 0.75 * t).toFixed(2));
      });
    });
    this.svg?.setAttribute("data-signature", this.sig);
  }
}
