/**
 * The page's side of the partition worker: one request in flight, tagged with a generation number; answers of any
 * other generation are dropped on arrival. A newer request for the same run and view waits (replacing any waiting
 * one: intermediate epochs are skipped, never queued); a request for another run or another view cancels the one in
 * flight by terminating its worker (a partition is one synchronous computation that cannot be interrupted otherwise)
 * and switching to a spare worker started in advance, so the new request starts at once.
 */
import type { Network, PlaneRect } from "tessera";
import type { PaintSize, PaintStyle } from "../view/painter.ts";
import type { PackedPartition } from "./packed.ts";
import type { PartitionReport, PartitionRequest, PictureOptions } from "./protocol.ts";

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

  private gen = 0;
  private worker: Worker;
  private spare: Worker;
  private inFlight?: { job: PartitionJob; gen: number; t0: number };
  private waiting?: PartitionJob;
  /** The generation last delivered, and the worker that holds it (it can repaint it). */
  private delivered?: { gen: number; worker: Worker };
  private readonly svgWaits = new Map<number, SvgWait>();

  constructor(
    private readonly spawn: () => Worker,
    /** Style and size for the next picture. */
    private readonly look: () => { style: PaintStyle; size: PaintSize },
    /** Whether the worker paints (false: the page paints from the packed arrays). */
    private readonly paint: boolean,
  ) {
    this.worker = this.start();
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
    if (!this.delivered || this.delivered.gen !== gen || this.delivered.worker !== this.worker) return false;
    const { style, size } = this.look();
    this.post({ type: "paint", gen, style, size });
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
      if (w === this.worker) this.receive(e.data);
    };
    w.onerror = (e) => {
      if (w !== this.worker) return;
      e.preventDefault();
      const job = this.inFlight?.job;
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
    this.post({ type: "partition", gen, network: job.network, rect: job.rect, style, size, paint: this.paint });
  }

  /** Terminate the busy worker, switch to the spare (already loaded), start a new spare; exports are re-sent. */
  private cancel(): void {
    this.worker.terminate();
    this.worker = this.spare;
    this.spare = this.start();
    this.inFlight = undefined;
    this.cancelled++;
    for (const w of this.svgWaits.values()) this.post(w.message);
  }

  private pump(): void {
    if (this.inFlight || !this.waiting) return;
    const job = this.waiting;
    this.waiting = undefined;
    this.send(job);
  }

  private receive(m: PartitionReport): void {
    if (m.type === "svg" || (m.type === "error" && this.svgWaits.has(m.gen))) {
      const w = this.svgWaits.get(m.gen);
      if (!w) return;
      this.svgWaits.delete(m.gen);
      if (m.type === "svg") w.resolve(m.svg);
      else w.reject(new Error(`picture: ${m.message}`));
      return;
    }
    if (m.type === "progress") {
      if (this.inFlight?.gen === m.gen) this.onProgress(this.inFlight.job, m.layer, m.layers, m.pieces);
      return;
    }
    if (m.type === "painted") {
      this.onPainted(m.gen, m.bitmap, m.drawMs);
      return;
    }
    const f = this.inFlight;
    if (!f || f.gen !== m.gen) {
      // An answer to a request that was replaced: never shown.
      this.dropped++;
      if (m.type === "partition") m.bitmap?.close();
      return;
    }
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
