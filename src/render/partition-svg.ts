/**
 * Picture of a planar partition as an SVG string: regions filled by predicted class (or one stable colour per
 * activation pattern), thin region edges, the class boundary thick, first-layer hyperplanes dashed on request, axes
 * in plane coordinates (u, v) with equal scales, a legend with the counts, and optional marked inputs and training
 * points. Isomorphic (no Node APIs): the CLI writes it (and PNGs from it), the browser explorer shows it.
 */
import { classBoundary, type ClassBoundary } from "../geometry/class-boundary.ts";
import type { PlanarPartition } from "../geometry/partition.ts";
import { clipLineToPolygon } from "../geometry/polygon.ts";
import type { PlaneRect } from "../geometry/slice.ts";
import type { Network } from "../model/network.ts";
import { niceTicks } from "./chart.ts";
import { SvgPathContext } from "./paint-context.ts";
import { EDGE_COLOUR, HYPERPLANE_COLOUR, paintPartition, partitionPicture } from "./partition-painter.ts";
import { classColour, classFill, escapeXml, fmt, svgDocument } from "./svg.ts";

/** How regions are filled. */
export type PartitionColouring = "class" | "pattern";

/** Options of {@link renderPartitionSvg}. */
export interface PartitionSvgOptions {
  /** The 2-input network the partition was computed from: needed for `hyperplanes`. */
  network?: Network;
  /** The class boundary (computed from the partition when needed and not given). */
  boundary?: ClassBoundary;
  /** Fill by predicted class (default) or by a colour per activation pattern. */
  colouring?: PartitionColouring;
  /** Draw the class boundary (default true). */
  showBoundary?: boolean;
  /** Draw the first hidden layer's hyperplanes, dashed (needs `network`). */
  hyperplanes?: boolean;
  /** Draw region edges (default true). */
  edges?: boolean;
  /** Picture size in pixels (default 900 × 800). */
  width?: number;
  height?: number;
  /** The rectangle shown (default: the partition domain's bounding box). Outside the domain is hatched. */
  rect?: PlaneRect;
  title?: string;
  subtitle?: string;
  /** Names of the two plane axes (default u, v). */
  axisLabels?: [string, string];
  /** Names of the classes (default "class i"). */
  classNames?: string[];
  /** Labelled points drawn as rings, e.g. the three inputs a plane passes through: [u, v, label]. */
  markers?: [number, number, string][];
  /** Training points in plane coordinates (flat u, v pairs) with their class labels. */
  points?: { uv: ArrayLike<number>; labels: ArrayLike<number> };
}

/** Width of the legend column in pixels. */
const LEGEND_WIDTH = 210;
const MARGIN = { left: 64, right: 18, top: 58, bottom: 54 };

/** "1 region", "1,557 regions". */
function counted(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Render a planar partition (see `planarPartition`) as a complete SVG document.
 *
 * @example
 * const svg = renderPartitionSvg(planarPartition(net, rect), { network: net, hyperplanes: true });
 */
export function renderPartitionSvg(partition: PlanarPartition, opts: PartitionSvgOptions = {}): string {
  const width = opts.width ?? 900, height = opts.height ?? 800;
  const colouring = opts.colouring ?? "class";
  const showBoundary = opts.showBoundary ?? true;
  const boundary = opts.boundary ?? (colouring === "class" || showBoundary ? classBoundary(partition) : undefined);
  const dom = partition.domain, domN = dom.labels.length;

  // View rectangle and an equal-scale plot area.
  let rect = opts.rect;
  if (!rect) {
    let umin = Infinity, umax = -Infinity, vmin = Infinity, vmax = -Infinity;
    for (let i = 0; i < domN; i++) {
      umin = Math.min(umin, dom.poly[2 * i]);
      umax = Math.max(umax, dom.poly[2 * i]);
      vmin = Math.min(vmin, dom.poly[2 * i + 1]);
      vmax = Math.max(vmax, dom.poly[2 * i + 1]);
    }
    rect = { umin, umax, vmin, vmax };
  }
  const availW = width - LEGEND_WIDTH - MARGIN.left - MARGIN.right, availH = height - MARGIN.top - MARGIN.bottom;
  const scale = Math.min(availW / (rect.umax - rect.umin), availH / (rect.vmax - rect.vmin));
  const plotW = scale * (rect.umax - rect.umin), plotH = scale * (rect.vmax - rect.vmin);
  const left = MARGIN.left + (availW - plotW) / 2, top = MARGIN.top + (availH - plotH) / 2;
  const X = (u: number) => left + (u - rect!.umin) * scale, Y = (v: number) => top + (rect!.vmax - v) * scale;

  const body: string[] = [];
  body.push(
    `<defs><clipPath id="plot"><rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(plotW)}" height="${fmt(plotH)}"/></clipPath>` +
      `<pattern id="outside" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="8" height="8" fill="#f3f4f6"/><line x1="0" y1="0" x2="0" y2="8" stroke="#d1d5db" stroke-width="2"/></pattern></defs>`,
  );
  body.push(`<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(plotW)}" height="${fmt(plotH)}" fill="url(#outside)"/>`);
  body.push(`<g clip-path="url(#plot)">`);

  // First-layer hyperplanes, clipped to the view.
  const segments: number[] = [];
  if (opts.hyperplanes && opts.network) {
    const first = opts.network.layers[0];
    const view = Float64Array.of(rect.umin, rect.vmin, rect.umax, rect.vmin, rect.umax, rect.vmax, rect.umin, rect.vmax);
    const lines: [number, number, number][] = [];
    const act = first.activation;
    if (act.kind === "maxout") {
      for (let u = 0; u < first.outDim / act.rank; u++) {
        for (let j = 0; j < act.rank; j++) {
          for (let m = j + 1; m < act.rank; m++) {
            const a = u * act.rank + j, b = u * act.rank + m;
            lines.push([first.weights[2 * a] - first.weights[2 * b], first.weights[2 * a + 1] - first.weights[2 * b + 1], first.bias[a] - first.bias[b]]);
          }
        }
      }
    } else if (act.kind !== "identity") {
      for (let r = 0; r < first.outDim; r++) lines.push([first.weights[2 * r], first.weights[2 * r + 1], first.bias[r]]);
    }
    for (const [ax, ay, c] of lines) {
      const seg = clipLineToPolygon(ax, ay, c, view, 4);
      if (seg) segments.push(seg[0], seg[1], seg[2], seg[3]);
    }
  }
  const hyperplaneCount = segments.length / 4;

  // Fills, region edges, hyperplanes, the domain's outline (the input box cut by the plane, when clipped) and the
  // class boundary: the partition painter, through an SVG context.
  const classesShown = new Map<number, number>();
  const fill = colouring === "class" && boundary ? "class" : "pattern";
  if (fill === "class") for (const cell of boundary!.cells) classesShown.set(cell.cls, (classesShown.get(cell.cls) ?? 0) + 1);
  paintPartition(new SvgPathContext(body), partitionPicture(partition, boundary), { left, top, scale, umin: rect.umin, vmax: rect.vmax }, {
    fill,
    edges: opts.edges ?? true,
    boundary: showBoundary && boundary !== undefined,
    hyperplanes: segments,
    outline: dom.poly.subarray(0, 2 * domN),
  });

  // Training points, then markers.
  if (opts.points) {
    const { uv, labels } = opts.points;
    for (let i = 0; i < labels.length; i++) {
      body.push(`<circle cx="${fmt(X(uv[2 * i]))}" cy="${fmt(Y(uv[2 * i + 1]))}" r="3" fill="${classColour(labels[i])}" stroke="#ffffff" stroke-width="0.8"/>`);
    }
  }
  body.push(`</g>`);
  for (const [u, v, label] of opts.markers ?? []) {
    const x = X(u), y = Y(v);
    body.push(
      `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="5.5" fill="#ffffff" stroke="#000000" stroke-width="2"/>` +
        `<text x="${fmt(x + 8)}" y="${fmt(y - 8)}" font-size="14" font-weight="bold" fill="#000000" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(label)}</text>`,
    );
  }

  // Frame, ticks and axis names.
  body.push(`<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(plotW)}" height="${fmt(plotH)}" fill="none" stroke="#111827" stroke-width="1"/>`);
  const [uName, vName] = opts.axisLabels ?? ["u", "v"];
  for (const t of niceTicks(rect.umin, rect.umax)) {
    const x = X(t);
    body.push(`<line x1="${fmt(x)}" y1="${fmt(top + plotH)}" x2="${fmt(x)}" y2="${fmt(top + plotH + 5)}" stroke="#111827"/>`);
    body.push(`<text x="${fmt(x)}" y="${fmt(top + plotH + 19)}" font-size="12" text-anchor="middle" fill="#111827">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(rect.vmin, rect.vmax)) {
    const y = Y(t);
    body.push(`<line x1="${fmt(left - 5)}" y1="${fmt(y)}" x2="${fmt(left)}" y2="${fmt(y)}" stroke="#111827"/>`);
    body.push(`<text x="${fmt(left - 8)}" y="${fmt(y + 4)}" font-size="12" text-anchor="end" fill="#111827">${fmt(t)}</text>`);
  }
  body.push(`<text x="${fmt(left + plotW / 2)}" y="${fmt(top + plotH + 40)}" font-size="14" text-anchor="middle" fill="#111827">${escapeXml(uName)}</text>`);
  body.push(`<text x="${fmt(left - 44)}" y="${fmt(top + plotH / 2)}" font-size="14" text-anchor="middle" fill="#111827" transform="rotate(-90 ${fmt(left - 44)} ${fmt(top + plotH / 2)})">${escapeXml(vName)}</text>`);
  if (opts.title) body.push(`<text x="${fmt(MARGIN.left)}" y="26" font-size="18" font-weight="bold" fill="#111827">${escapeXml(opts.title)}</text>`);
  if (opts.subtitle) body.push(`<text x="${fmt(MARGIN.left)}" y="46" font-size="13" fill="#4b5563">${escapeXml(opts.subtitle)}</text>`);

  // Legend: counts, line styles, classes.
  const lx = width - LEGEND_WIDTH + 6;
  let ly = MARGIN.top + 6;
  const line = (text: string, size = 13, weight = "normal") => {
    body.push(`<text x="${fmt(lx)}" y="${fmt(ly)}" font-size="${size}" font-weight="${weight}" fill="#111827">${escapeXml(text)}</text>`);
    ly += size + 7;
  };
  line(counted(partition.regions.length, "region"), 15, "bold");
  if (partition.slivers.length) line(`+ ${partition.slivers.length} slivers < ${partition.threshold}`, 12);
  if (boundary) {
    line(counted(boundary.pieces.count, "boundary piece"));
    line(counted(boundary.polylines.length, "polyline"));
  }
  if (hyperplaneCount) line(counted(hyperplaneCount, "first-layer hyperplane"));
  ly += 6;
  const sample = (draw: string, text: string) => {
    body.push(draw.replaceAll("$Y", fmt(ly - 4)).replaceAll("$X0", fmt(lx)).replaceAll("$X1", fmt(lx + 30)));
    body.push(`<text x="${fmt(lx + 38)}" y="${fmt(ly)}" font-size="12" fill="#111827">${escapeXml(text)}</text>`);
    ly += 20;
  };
  if (opts.edges ?? true) sample(`<line x1="$X0" y1="$Y" x2="$X1" y2="$Y" stroke="${EDGE_COLOUR}" stroke-width="1"/>`, "region edge");
  if (showBoundary && boundary) {
    sample(`<line x1="$X0" y1="$Y" x2="$X1" y2="$Y" stroke="#000000" stroke-width="2.4"/>`, "class boundary");
  }
  if (hyperplaneCount) sample(`<line x1="$X0" y1="$Y" x2="$X1" y2="$Y" stroke="${HYPERPLANE_COLOUR}" stroke-width="1.4" stroke-dasharray="7 4"/>`, "layer-1 hyperplane");
  const domainIsView = domN === 4 && dom.poly[0] === rect.umin && dom.poly[1] === rect.vmin && dom.poly[4] === rect.umax && dom.poly[5] === rect.vmax;
  if (!domainIsView) sample(`<rect x="$X0" y="${fmt(ly - 12)}" width="30" height="14" fill="url(#outside)" stroke="#9ca3af"/>`, "outside the input box");
  if (colouring === "class" && classesShown.size) {
    ly += 6;
    line("predicted class", 13, "bold");
    const names = opts.classNames;
    for (const cls of [...classesShown.keys()].sort((a, b) => a - b)) {
      sample(`<rect x="$X0" y="${fmt(ly - 12)}" width="30" height="14" fill="${classFill(cls)}" stroke="${classColour(cls)}" stroke-width="1.5"/>`, names?.[cls] ?? `class ${cls}`);
    }
  } else if (colouring === "pattern") {
    ly += 6;
    line("one colour per", 12);
    line("activation pattern", 12);
  }
  return svgDocument(width, height, body.join("\n"));
}
