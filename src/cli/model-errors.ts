/**
 * Errors about a model, named by its file: a {@link ModelError} or {@link ScaleError} the core throws (it knows no
 * file names) comes back as the same kind of error with "PATH: " in front, so the CLI prints one line naming the file.
 */
import { ScaleError } from "../model/normalise.ts";
import { ModelError } from "../model/validate.ts";

/** Run `work` on the model read from `path`; its ModelError / ScaleError (not one about a flag) names the file. */
export async function aboutModel<T>(path: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ModelError || err instanceof ScaleError)) throw err;
    if (err.message.startsWith(`${path}:`) || err.message.startsWith("--")) throw err;
    throw err instanceof ModelError ? new ModelError(`${path}: ${err.message}`) : new ScaleError(`${path}: ${err.message}`);
  }
}
