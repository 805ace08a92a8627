/**
 * A study directory on disk: its settings, one result file and one model file per finished network, failures, the
 * log of runs, and the outputs (tables, figures). Every file is written atomically (temporary file + rename), so a
 * killed study never leaves a half-written result, and a result file exists only for a finished network. Node only.
 *
 *   DIR/study.json               settings (a rerun must use the same)
 *   DIR/results/<id>.json        NetworkRecord of each finished network
 *   DIR/networks/<id>.json       its trained weights (Tessera JSON with training metadata)
 *   DIR/failed/<id>.json         a network that failed a check or crashed
 *   DIR/runs.json                wall-clock time of every run
 *   DIR/table.md, table.csv, networks.csv, regions-vs-bounds.svg/.png, error-vs-regions.svg/.png
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { svgToPng } from "../io/png.ts";
import { withStudyData, type StudySettings } from "./plan.ts";
import type { NetworkRecord } from "./table.ts";

/** A study directory's settings file. */
export interface StudyFile {
  format: "tessera-study";
  version: 1;
  study: string;
  settings: StudySettings;
}

/** One run of a study: when, how long, how many networks it finished, with how many workers. */
export interface StudyRun {
  started: string;
  seconds: number;
  networks: number;
  workers: number;
  complete: boolean;
}

/** The study directory could not be used (unreadable, other settings): a one-line message. */
export class StudyDirError extends Error {
  override name = "StudyDirError";
}

/** Write a file atomically: a temporary file in the same folder, then a rename over the target. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function readJson<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw new StudyDirError(`${path}: cannot read (${(e as { code?: string }).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new StudyDirError(`${path}: not valid JSON (delete it to redo that part of the study)`);
  }
}

/** The files of one study directory. */
export class StudyStore {
  constructor(readonly dir: string) {}

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Create the directory itself (for outputs only). Throws {@link StudyDirError}. */
  ensureDir(): void {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw new StudyDirError(`${this.dir}: cannot create the directory (${(e as { code?: string }).code ?? (e as Error).message})`);
    }
  }

  /** Create the folders; check or write the settings (a directory holds one study with one set of settings). */
  open(study: string, settings: StudySettings, differences: (a: StudySettings, b: StudySettings) => string[]): void {
    try {
      for (const sub of ["results", "networks", "failed"]) mkdirSync(this.path(sub), { recursive: true });
    } catch (e) {
      throw new StudyDirError(`${this.dir}: cannot create the study directory (${(e as { code?: string }).code ?? (e as Error).message})`);
    }
    const existing = readJson<StudyFile>(this.path("study.json"));
    if (existing) {
      if (existing.format !== "tessera-study" || existing.study !== study) throw new StudyDirError(`${this.path("study.json")}: not a ${study} study directory`);
      const before = withStudyData(existing.settings);
      const diff = differences(before, settings);
      const hint = before.data !== settings.data ? ` (its networks were trained on --data ${before.data})` : "";
      if (diff.length) throw new StudyDirError(`${this.dir} holds a study made with other settings (${diff.join("; ")}): use another --dir${hint}`);
      return;
    }
    writeFileAtomic(this.path("study.json"), JSON.stringify({ format: "tessera-study", version: 1, study, settings } satisfies StudyFile, null, 2) + "\n");
  }

  /**
   * Every finished network's record (files that are not results are ignored), its settings read with
   * {@link withStudyData} (records written before full MNIST are `mnist-small`). Throws {@link StudyDirError} when a
   * record was trained on other data than the directory's study: one directory never mixes data sets.
   */
  records(): NetworkRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.path("results")).filter((n) => n.endsWith(".json")).sort();
    } catch {
      return [];
    }
    const study = readJson<StudyFile>(this.path("study.json"));
    const data = study?.settings ? withStudyData(study.settings).data : undefined;
    const out: NetworkRecord[] = [];
    for (const n of names) {
      const r = readJson<NetworkRecord>(this.path("results", n));
      if (r?.format !== "tessera-study-network") continue;
      const record = { ...r, settings: withStudyData(r.settings) };
      if (data !== undefined && record.settings.data !== data) {
        throw new StudyDirError(`${this.path("results", n)}: a network trained on --data ${record.settings.data} in a study of --data ${data}: move it to a study directory of its own`);
      }
      out.push(record);
    }
    return out;
  }

  /** Store a finished network: its model first, then its record (whose presence marks the network done). */
  saveNetwork(record: NetworkRecord, modelJson: string): void {
    writeFileAtomic(this.path("networks", `${record.id}.json`), modelJson);
    writeFileAtomic(this.path("results", `${record.id}.json`), JSON.stringify(record, null, 1) + "\n");
  }

  /** Store a failure (failed checks or a crash) for inspection. */
  saveFailure(id: string, failure: Record<string, unknown>, modelJson?: string): void {
    if (modelJson) writeFileAtomic(this.path("failed", `${id}.model.json`), modelJson);
    writeFileAtomic(this.path("failed", `${id}.json`), JSON.stringify(failure, null, 1) + "\n");
  }

  runs(): StudyRun[] {
    return readJson<StudyRun[]>(this.path("runs.json")) ?? [];
  }

  /** Record (or update, by its start time) one run. */
  saveRun(run: StudyRun): void {
    const runs = this.runs().filter((r) => r.started !== run.started);
    writeFileAtomic(this.path("runs.json"), JSON.stringify([...runs, run], null, 1) + "\n");
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(this.path(name), text);
  }

  /** Write `name.svg` and `name.png`. */
  writeFigure(name: string, svg: string): void {
    writeFileAtomic(this.path(`${name}.svg`), svg);
    writeFileAtomic(this.path(`${name}.png`), svgToPng(svg));
  }
}
