/**
 * The page's side of the partition worker: one request in flight, tagged with a generation number; answers of any
 * other generation are dropped on arrival. A newer request for the same run and view waits (replacing any waiting
 * one: intermediate epochs are skipped, never queued); a request for another run or another view cancels the one in
 * flight by terminating its worker (a partition is one synchronous computation that cannot be interrupted otherwise)
 * and switching to a spare worker started in advance, so the new request starts at once.
 *
 * A large network's view is split between two workers (the page keeps a third warm as the spare): each partitions
 * one strip of the rectangle, the page joins the two strips exactly (strips.ts), and each worker paints its side of
 * the seam with the joined polygons; the two bitmaps make one picture, and the joined partition is delivered.
 */
import { hiddenUnitCount, type Network, type PlaneRect, SeamDegenerate } from "tessera";
import { viewLayout } from "../view/layout.ts";
import type { PaintSize, PaintStyle } from "../view/painter.ts";
import { type PackedPartition, packedBuffers } from "./packed.ts";
import type { PartitionReport, PartitionRequest, PictureOptions } from "./protocol.ts";
import { joinStrips, NEAR_SEAM_PX, seamOf, SPLIT_MIN_UNITS } from "./strips.ts";

/** When the page splits a view between two workers (see PartitionClient). */
export type SplitRule = "auto" | "always" | "never";

/** What to partition: the weights of one epoch of one training run over one rectangle. */
export interface PartitionJob {
  /** The training run (one per reset) the weights belong to. */
  run: number;
  epoch: number;
  network: Network;
  rect: PlaneRect;
}

/** A partition delivered for the job in flight. */
export interface Delivery {
  job: PartitionJob;
  gen: number;
  partition: PackedPartition;
  bitmap: ImageBitmap | null;
  drawMs: number;
  /** From sending the request to the answer's arrival (ms). */
  cycleMs: number;
  /** For a view split between two workers: the page's time to join the strips and to put the two bitmaps together (ms). */
  joinMs?: number;
  composeMs?: number;
}

/** A job split between two workers: the seam, the strips as they arrive, then the joined partition and the bitmaps. */
interface StripState {
  seam: number;
  parts: (PackedPartition | undefined)[];
  /** Each strip's largest |margin| (the view's is the larger: every joined vertex is one of theirs or on their edges). */
  marginScales: number[];
  merged?: PackedPartition;
  bitmaps: (ImageBitmap | undefined)[];
  drawMs: number;
  joinMs: number;
}

export function sameRect(a: PlaneRect | undefined, b: PlaneRect | undefined): boolean {
  return !!a && !!b && a.umin === b.umin && a.umax === b.umax && a.vmin === b.vmin && a.vmax === b.vmax;
}

interface SvgWait {
  message: PartitionRequest;
  resolve: (svg: string) => void;
  reject: (err: Error) => void;
}

/** The partition worker as the page sees it. */
export class PartitionClient {
  /** A partition for the job in flight arrived (its generation checked). */
  onDelivery: (d: Delivery) => void = () => {};
  /** A repaint of generation `gen` arrived. */
  onPainted: (gen: number, bitmap: ImageBitmap, drawMs: number) => void = () => {};
  /** Progress of the job in flight: hidden layer `layer` of `layers` cut, `pieces` polygons so far. */
  onProgress: (job: PartitionJob, layer: number, layers: number, pieces: number) => void = () => {};
  /** The worker failed on a job. */
  onError: (message: string, job: PartitionJob | undefined) => void = () => {};
  /** Something changed in what is in flight or waiting (for the "computing…" label). */
  onChange: () => void = () => {};
  /** Partitions cancelled (worker terminated) and answers dropped as stale, since the page opened. */
  cancelled = 0;
  dropped = 0;

  /** Jobs split between two workers, and split jobs that fell back to one worker (a seam along a hyperplane). */
  split = 0;
  splitFallbacks = 0;

  private gen = 0;
  private worker: Worker;
  /** The second worker of a split job (side 1). */
  private helper: Worker;
  private spare: Worker;
  private inFlight?: { job: PartitionJob; gen: number; t0: number; strips?: StripState };
  private waiting?: PartitionJob;
  /** The generation last delivered, and the worker that holds it (it can repaint it); both, for a split picture. */
  private delivered?: { gen: number; worker: Worker; helper?: Worker };
  /** A split picture being repainted: the two halves as they arrive. */
  private repainting?: { gen: number; bitmaps: (ImageBitmap | undefined)[]; drawMs: number };
  private readonly svgWaits = new Map<number, SvgWait>();
  private composer?: OffscreenCanvas;

  constructor(
    private readonly spawn: () => Worker,
    /** Style and size for the next picture. */
    private readonly look: () => { style: PaintStyle; size: PaintSize },
    /** Whether the worker paints (false: the page paints from the packed arrays). */
    private readonly paint: boolean,
    /**
     * When to split a view between two workers: "auto" (networks with at least SPLIT_MIN_UNITS hidden units),
     * "always" or "never" (the page's `?split=` parameter, for tests and measurements).
     */
    private readonly splitRule: SplitRule = "auto",
  ) {
    this.worker = this.start();
    this.helper = this.start();
    this.spare = this.start();
  }

  /** The job being computed, if any. */
  get busy(): PartitionJob | undefined {
    return this.inFlight?.job;
  }

  /** The newest job waiting for the one in flight, if any. */
  get queued(): PartitionJob | undefined {
    return this.waiting;
  }

  /** Ask for a partition: waits behind the same run and view, cancels any other. */
  request(job: PartitionJob): void {
    const f = this.inFlight;
    if (f && f.job.run === job.run && sameRect(f.job.rect, job.rect)) {
      this.waiting = job;
    } else {
      if (f) this.cancel();
      this.waiting = undefined;
      this.send(job);
    }
    this.onChange();
  }

  /** Drop whatever is in flight or waiting (the run or the view it was for is gone). */
  cancelAll(): void {
    this.waiting = undefined;
    if (this.inFlight) this.cancel();
    this.onChange();
  }

  /** Repaint generation `gen` with the current look; false when this worker does not hold it (ask again). */
  repaint(gen: number): boolean {
    const d = this.delivered;
    if (!d || d.gen !== gen || d.worker !== this.worker || (d.helper && d.helper !== this.helper)) return false;
    // A split job in flight has its own paint messages on these workers; ask again when it is done.
    if (d.helper && this.inFlight?.strips) return false;
    const { style, size } = this.look();
    this.post({ type: "paint", gen, style, size });
    if (d.helper) {
      this.repainting?.bitmaps.forEach((b) => b?.close());
      this.repainting = { gen, bitmaps: [undefined, undefined], drawMs: 0 };
      this.helper.postMessage({ type: "paint", gen, style, size } satisfies PartitionRequest);
    }
    return true;
  }

  /** The SVG picture of a network over a rectangle (the export). */
  svg(network: Network, rect: PlaneRect, picture: PictureOptions): Promise<string> {
    const gen = ++this.gen;
    const message: PartitionRequest = { type: "svg", gen, network, rect, picture };
    return new Promise((resolve, reject) => {
      this.svgWaits.set(gen, { message, resolve, reject });
      this.post(message);
    });
  }

  private start(): Worker {
    const w = this.spawn();
    w.onmessage = (e: MessageEvent<PartitionReport>) => {
      if (w === this.worker) this.receive(e.data, 0);
      else if (w === this.helper) this.receive(e.data, 1);
    };
    w.onerror = (e) => {
      if (w !== this.worker && !(w === this.helper && this.inFlight?.strips)) return;
      e.preventDefault();
      const job = this.inFlight?.job;
      if (this.inFlight?.strips) this.cancel();
      this.inFlight = undefined;
      this.onError(`partition worker failed: ${e.message}`, job);
      this.pump();
    };
    return w;
  }

  private post(m: PartitionRequest): void {
    this.worker.postMessage(m);
  }

  private send(job: PartitionJob): void {
    const gen = ++this.gen;
    const { style, size } = this.look();
    this.inFlight = { job, gen, t0: performance.now() };
    // Large networks on a painted page: two workers, one strip each.
    const large = this.splitRule === "always" || (this.splitRule === "auto" && hiddenUnitCount(job.network) >= SPLIT_MIN_UNITS);
    if (large && this.paint && typeof OffscreenCanvas !== "undefined" && job.network.inputDim === 2) {
      const seam = seamOf(job.rect, viewLayout(size.width, size.height, job.rect), size.dpr);
      this.inFlight.strips = { seam, parts: [undefined, undefined], marginScales: [0, 0], bitmaps: [undefined, undefined], drawMs: 0, joinMs: 0 };
      this.split++;
      this.post({ type: "strip", gen, network: job.network, rect: job.rect, seam, side: 0 });
      this.helper.postMessage({ type: "strip", gen, network: job.network, rect: job.rect, seam, side: 1 } satisfies PartitionRequest);
      return;
    }
    this.post({ type: "partition", gen, network: job.network, rect: job.rect, style, size, paint: this.paint });
  }

  /**
   * Terminate the busy worker (and the helper, for a split job), switch to the spare (already loaded), start new
   * ones; exports are re-sent.
   */
  private cancel(): void {
    this.worker.terminate();
    this.worker = this.spare;
    if (this.inFlight?.strips) {
      this.inFlight.strips.bitmaps.forEach((b) => b?.close());
      this.helper.terminate();
      this.helper = this.start();
    }
    this.spare = this.start();
    this.inFlight = undefined;
    this.cancelled++;
    for (const w of this.svgWaits.values()) this.post(w.message);
  }

  /** Both strips arrived: join them (or fall back to one worker) and have each worker paint its side. */
  private joinStrips(f: { job: PartitionJob; gen: number; strips?: StripState }): void {
    const st = f.strips!;
    const [left, right] = st.parts as PackedPartition[];
    const { style, size } = this.look();
    const t0 = performance.now();
    let joined: ReturnType<typeof joinStrips>;
    try {
      joined = joinStrips(left, right, f.job.rect, st.seam, NEAR_SEAM_PX / viewLayout(size.width, size.height, f.job.rect).s);
    } catch (err) {
      if (!(err instanceof SeamDegenerate)) throw err;
      // The seam runs along a hyperplane: the whole view in one worker (same generation).
      f.strips = undefined;
      this.splitFallbacks++;
      this.post({ type: "partition", gen: f.gen, network: f.job.network, rect: f.job.rect, style, size, paint: this.paint });
      return;
    }
    st.merged = joined.merged;
    const marginScale = Math.max(...st.marginScales);
    const lines = { lineStart: joined.merged.lineStart, lineCoords: joined.merged.lineCoords, lineClosed: joined.merged.lineClosed };
    st.joinMs = performance.now() - t0;
    // Each worker gets its strip back (transferred: the joined partition has arrays of its own).
    this.worker.postMessage({ type: "strip-paint", gen: f.gen, partition: left, paint: joined.paint[0], lines, marginScale, style, size } satisfies PartitionRequest, packedBuffers(left));
    this.helper.postMessage({ type: "strip-paint", gen: f.gen, partition: right, paint: joined.paint[1], lines, marginScale, style, size } satisfies PartitionRequest, packedBuffers(right));
    st.parts = [undefined, undefined];
  }

  /** The two strips' bitmaps as one picture (each is transparent outside its strip). */
  private compose(bitmaps: (ImageBitmap | undefined)[]): ImageBitmap {
    const [a, b] = bitmaps as ImageBitmap[];
    const c = (this.composer ??= new OffscreenCanvas(a.width, a.height));
    if (c.width !== a.width || c.height !== a.height) {
      c.width = a.width;
      c.height = a.height;
    }
    const ctx = c.getContext("2d")!;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.drawImage(a, 0, 0);
    ctx.drawImage(b, 0, 0);
    a.close();
    b.close();
    return c.transferToImageBitmap();
  }

  private pump(): void {
    if (this.inFlight || !this.waiting) return;
    const job = this.waiting;
    this.waiting = undefined;
    this.send(job);
  }

  private receive(m: PartitionReport, side: 0 | 1): void {
    if (m.type === "svg" || (m.type === "error" && this.svgWaits.has(m.gen))) {
      const w = this.svgWaits.get(m.gen);
      if (!w) return;
      this.svgWaits.delete(m.gen);
      if (m.type === "svg") w.resolve(m.svg);
      else w.reject(new Error(`picture: ${m.message}`));
      return;
    }
    if (m.type === "progress") {
      if (this.inFlight?.gen === m.gen && side === 0) this.onProgress(this.inFlight.job, m.layer, m.layers, m.pieces);
      return;
    }
    if (m.type === "painted") {
      const f = this.inFlight;
      if (f?.strips?.merged && f.gen === m.gen) {
        const st = f.strips;
        st.bitmaps[side] = m.bitmap;
        st.drawMs = Math.max(st.drawMs, m.drawMs);
        if (!st.bitmaps[0] || !st.bitmaps[1]) return;
        const t0 = performance.now();
        const bitmap = this.compose(st.bitmaps);
        this.inFlight = undefined;
        this.delivered = { gen: m.gen, worker: this.worker, helper: this.helper };
        this.onDelivery({ job: f.job, gen: m.gen, partition: st.merged!, bitmap, drawMs: st.drawMs, cycleMs: performance.now() - f.t0, joinMs: st.joinMs, composeMs: performance.now() - t0 });
        this.pump();
        this.onChange();
        return;
      }
      const r = this.repainting;
      if (r && r.gen === m.gen && this.delivered?.helper) {
        r.bitmaps[side] = m.bitmap;
        r.drawMs = Math.max(r.drawMs, m.drawMs);
        if (!r.bitmaps[0] || !r.bitmaps[1]) return;
        this.repainting = undefined;
        this.onPainted(m.gen, this.compose(r.bitmaps), r.drawMs);
        return;
      }
      if (side === 0) this.onPainted(m.gen, m.bitmap, m.drawMs);
      else m.bitmap.close();
      return;
    }
    const f = this.inFlight;
    if (m.type === "strip") {
      if (!f || f.gen !== m.gen || !f.strips) {
        this.dropped++;
        return;
      }
      f.strips.parts[m.side] = m.partition;
      f.strips.marginScales[m.side] = m.marginScale;
      if (f.strips.parts[0] && f.strips.parts[1]) this.joinStrips(f);
      return;
    }
    if (!f || f.gen !== m.gen || (m.type === "error" && side === 1 && !f.strips)) {
      // An answer to a request that was replaced: never shown.
      this.dropped++;
      if (m.type === "partition") m.bitmap?.close();
      return;
    }
    if (m.type === "error" && f.strips) this.cancel(); // the other worker's strip is of no use
    this.inFlight = undefined;
    if (m.type === "error") this.onError(`partition: ${m.message}`, f.job);
    else {
      this.delivered = { gen: m.gen, worker: this.worker };
      this.onDelivery({ job: f.job, gen: m.gen, partition: m.partition, bitmap: m.bitmap, drawMs: m.drawMs, cycleMs: performance.now() - f.t0 });
    }
    this.pump();
    this.onChange();
  }
}
