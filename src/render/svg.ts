/**
 * Small helpers for writing SVG as strings: escaping, number formatting, the document wrapper and Tessera's colours
 * (a colour-blind-friendly class palette, a stable colour per activation pattern, a red→blue scale). Isomorphic: no
 * DOM, no Node APIs.
 */
import { patternToString, type ActivationPattern } from "../model/evaluate.ts";

/** Font family every SVG Tessera writes asks for (DejaVu is what the PNG renderer resolves; browsers fall back). */
export const SVG_FONT_FAMILY = "DejaVu Sans, sans-serif";

/** Escape text for use in SVG/XML text content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;"));
}

/**
 * Format a number for an SVG coordinate or label: at most `digits` decimals (default 2), trailing zeros dropped, never
 * "-0". Throws a RangeError on NaN or ±Infinity, which would make the picture malformed.
 *
 * @example fmt(3.14159) === "3.14"; fmt(-0.001) === "0"; fmt(2.5, 0) === "3"
 */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) throw new RangeError(`fmt: cannot write ${x} into an SVG`);
  const scale = 10 ** digits;
  const r = Math.round(x * scale) / scale;
  return r === 0 ? "0" : String(r);
}

/** Options of {@link svgDocument}. */
export interface SvgDocumentOptions {
  /** Fill behind everything (default "#ffffff"; "none" leaves the picture transparent). */
  background?: string;
}

/**
 * Wrap SVG markup in a complete `<svg>` document of the given pixel size, with `viewBox` 0 0 width height and
 * font-family {@link SVG_FONT_FAMILY}. No XML declaration, so the string can be inlined in HTML as well as saved.
 */
export function svgDocument(width: number, height: number, body: string, options: SvgDocumentOptions = {}): string {
  const background = options.background ?? "#ffffff";
  const w = fmt(width), h = fmt(height);
  const bg = background === "none" ? "" : `<rect x="0" y="0" width="${w}" height="${h}" fill="${escapeXml(background)}"/>\n`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ` +
    `font-family="${SVG_FONT_FAMILY}">\n${bg}${body}\n</svg>\n`
  );
}

/**
 * Class palette: Okabe & Ito's colour-blind-safe colours (yellow darkened to read on white) followed by four of Paul
 * Tol's "muted" colours. Blue and orange come first, as in TensorFlow Playground's two classes.
 */
const CLASS_COLOURS = [
  "#0072b2", // blue
  "#e69f00", // orange
  "#009e73", // bluish green
  "#cc79a7", // reddish purple
  "#56b4e9", // sky blue
  "#d55e00", // vermillion
  "#b8a100", // yellow, darkened
  "#332288", // indigo
  "#882255", // wine
  "#44aa99", // teal
  "#999933", // olive
  "#555555", // grey
];

/** Number of distinct colours {@link classColour} gives before it repeats. */
export const CLASS_COLOUR_COUNT = CLASS_COLOURS.length;

/** How far {@link classFill} moves a class colour toward white (0 = the colour, 1 = white). */
const FILL_LIGHTEN = 0.62;

/** Colour of class `i` (hex), for points, lines and outlines. Colours repeat after {@link CLASS_COLOUR_COUNT}. */
export function classColour(i: number): string {
  const n = CLASS_COLOURS.length;
  return CLASS_COLOURS[((Math.trunc(i) % n) + n) % n];
}

/** A lighter version of {@link classColour}(i) (hex), for filling areas under points and lines of that class. */
export function classFill(i: number): string {
  const [r, g, b] = parseHex(classColour(i));
  return toHex(r + (255 - r) * FILL_LIGHTEN, g + (255 - g) * FILL_LIGHTEN, b + (255 - b) * FILL_LIGHTEN);
}

/**
 * A stable, pleasant colour (hex) for an activation pattern: the key (a string, or a pattern encoded as
 * `patternToString` does) is hashed (FNV-1a, 32 bits) to a hue, a moderate saturation and a light-to-medium
 * lightness, so neighbouring regions rarely look alike and the same pattern gets the same colour everywhere.
 */
export function patternColour(key: string | ActivationPattern): string {
  let h = 0x811c9dc5;
  if (typeof key !== "string" && key.every((v) => v < 36)) {
    // The characters patternToString would write (one base-36 digit per unit), hashed without building the string.
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ (key[i] < 10 ? 48 + key[i] : 87 + key[i]), 0x01000193);
  } else {
    const s = typeof key === "string" ? key : patternToString(key);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  h = mix32(h);
  const hue = (h & 0xffff) / 0x10000 * 360;
  const sat = 0.45 + ((h >>> 16) & 0xff) / 255 * 0.3; // 45–75 %
  const light = 0.6 + ((h >>> 24) & 0xff) / 255 * 0.2; // 60–80 %
  return hslToHex(hue, sat, light);
}

/** Anchors of {@link redBlue}: ColorBrewer RdBu ends with a light grey-lavender middle that still shows on white. */
const RED_BLUE = [
  [178, 24, 43],
  [239, 138, 98],
  [196, 188, 206],
  [103, 169, 207],
  [33, 102, 172],
];

/** Continuous diverging scale: t = 0 red, 0.5 light grey, 1 blue (hex); t is clamped to [0, 1], NaN gives grey. */
export function redBlue(t: number): string {
  if (Number.isNaN(t)) return "#9ca3af";
  const x = Math.min(1, Math.max(0, t)) * (RED_BLUE.length - 1);
  const k = Math.min(RED_BLUE.length - 2, Math.floor(x)), f = x - k;
  const a = RED_BLUE[k], b = RED_BLUE[k + 1];
  return toHex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
}

/** Final avalanche of murmur3: spreads FNV's low-entropy bits over the whole word. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function parseHex(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function toHex(r: number, g: number, b: number): string {
  const c = (x: number) => Math.round(Math.min(255, Math.max(0, x))).toString(16).padStart(2, "0");
  return `#${c(r)}${c(g)}${c(b)}`;
}

/** HSL (hue in degrees, saturation and lightness in [0, 1]) to hex, by the CSS Color 3 formula. */
function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return 255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1)));
  };
  return toHex(f(0), f(8), f(4));
}
