/**
 * A triangle mesh in a 3-D box as an SVG picture: a fixed axonometric view (azimuth 35°, elevation 25°), the box's
 * edges as thin lines (the far ones dashed), triangles painted far to near (painter's algorithm) with flat shading;
 * each side of a triangle in the colour of the class on that side (the normal points to the second of its two
 * classes, `triangleClasses`; class 1 for a plain two-class mesh). Isomorphic.
 */
import type { Box } from "../model/network.ts";
import { classColour, escapeXml, fmt, svgDocument } from "./svg.ts";
import type { TriangleMesh } from "../io/mesh-writers.ts";

/** Options of {@link renderMeshSvg}. */
export interface MeshSvgOptions {
  width?: number;
  height?: number;
  title?: string;
}

const AZIMUTH = (35 * Math.PI) / 180;
const ELEVATION = (25 * Math.PI) / 180;

/** The mesh drawn in its box. */
export function renderMeshSvg(mesh: TriangleMesh & { triangleClasses?: Int32Array }, box: Box, opts: MeshSvgOptions = {}): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 640;
  // View frame: right r, up u, towards the viewer w (unit vectors), applied to box-normalised coordinates.
  const ca = Math.cos(AZIMUTH), sa = Math.sin(AZIMUTH), ce = Math.cos(ELEVATION), se = Math.sin(ELEVATION);
  const r = [ca, sa, 0];
  const w = [sa * ce, -ca * ce, se];
  const u = [-sa * se, ca * se, ce];
  const norm = (x: ArrayLike<number>, i: number) => {
    const q = [0, 0, 0];
    for (let j = 0; j < 3; j++) q[j] = (2 * (x[i + j] - box.lo[j])) / (box.hi[j] - box.lo[j]) - 1;
    return q;
  };
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const top = opts.title ? 36 : 12;
  const scale = Math.min(width, height - top) / 3.6;
  const cx = width / 2, cy = top + (height - top) / 2;
  const screen = (q: number[]) => [cx + scale * dot(q, r), cy - scale * dot(q, u)];
  const parts: string[] = [];
  if (opts.title) parts.push(`<text x="${fmt(width / 2)}" y="22" text-anchor="middle" font-size="15">${escapeXml(opts.title)}</text>`);
  // Box edges: those on the far side (both ends' depth below the centre's) dashed, drawn first.
  const corners: number[][] = [];
  for (let m = 0; m < 8; m++) corners.push([(m & 1) * 2 - 1, ((m >> 1) & 1) * 2 - 1, ((m >> 2) & 1) * 2 - 1]);
  const farCorner = corners.reduce((best, q) => (dot(q, w) < dot(best, w) ? q : best));
  const boxLines = (far: boolean) => {
    for (let m = 0; m < 8; m++) {
      for (let j = 0; j < 3; j++) {
        if ((m >> j) & 1) continue;
        const a = corners[m], b = corners[m | (1 << j)];
        const isFar = a === farCorner || b === farCorner;
        if (isFar !== far) continue;
        const [x1, y1] = screen(a), [x2, y2] = screen(b);
        parts.push(`<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="#888" stroke-width="1"${far ? ' stroke-dasharray="4 3"' : ""}/>`);
      }
    }
  };
  boxLines(true);
  const P = mesh.positions, T = mesh.triangles;
  const order: { t: number; depth: number }[] = [];
  for (let t = 0; t < T.length; t += 3) {
    let depth = 0;
    for (let k = 0; k < 3; k++) depth += dot(norm(P, 3 * T[t + k]), w);
    order.push({ t, depth });
  }
  order.sort((a, b) => a.depth - b.depth);
  const light = [0.3, -0.5, 0.8];
  const ll = Math.hypot(...light);
  for (const { t } of order) {
    const q = [0, 1, 2].map((k) => norm(P, 3 * T[t + k]));
    const e1 = [q[1][0] - q[0][0], q[1][1] - q[0][1], q[1][2] - q[0][2]];
    const e2 = [q[2][0] - q[0][0], q[2][1] - q[0][1], q[2][2] - q[0][2]];
    const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    const nl = Math.hypot(...n) || 1;
    const facing = dot(n, w) >= 0; // the side of the triangle's second class (class 1 of two) faces the viewer
    const shade = 0.55 + 0.45 * Math.abs(dot(n, light)) / (nl * ll);
    const pair = mesh.triangleClasses;
    const cls = pair ? pair[(2 * t) / 3 + (facing ? 1 : 0)] : facing ? 1 : 0;
    const colour = mix(classColour(cls), shade);
    const pts = q.map((p) => screen(p).map((c) => fmt(c, 1)).join(",")).join(" ");
    parts.push(`<polygon points="${pts}" fill="${colour}" stroke="${colour}" stroke-width="0.4" stroke-linejoin="round"/>`);
  }
  boxLines(false);
  const axis = (j: number, label: string) => {
    const a = [-1, -1, -1];
    const b = [-1, -1, -1];
    b[j] = 1;
    const [x, y] = screen([(a[0] + b[0]) / 2 + (j === 0 ? 0 : -0.12), (a[1] + b[1]) / 2 + (j === 1 ? 0 : -0.12), (a[2] + b[2]) / 2 + (j === 2 ? 0 : -0.12)]);
    parts.push(`<text x="${fmt(x)}" y="${fmt(y)}" font-size="13" text-anchor="middle" fill="#444">${label} [${fmt(box.lo[j], 3)}, ${fmt(box.hi[j], 3)}]</text>`);
  };
  axis(0, "x1");
  axis(1, "x2");
  axis(2, "x3");
  return svgDocument(width, height, parts.join("\n"));
}

/** A hex colour scaled towards black by `shade` ∈ [0, 1]. */
function mix(hex: string, shade: number): string {
  const v = parseInt(hex.slice(1), 16);
  const ch = (s: number) => Math.round(((v >> s) & 255) * shade).toString(16).padStart(2, "0");
  return `#${ch(16)}${ch(8)}${ch(0)}`;
}
