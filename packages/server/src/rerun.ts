/**
 * A reload that never runs twice at once and never misses a change.
 *
 * @module
 */

/**
 * Runs `task` so that runs never overlap. A call while it runs resolves with
 * the running one and runs `task` once more after it: the running one may
 * have read its source before the change that prompted the call. Several
 * calls meanwhile make one more run, not several; that run's failure goes to
 * `onError`.
 */
export class Rerun {
  readonly #task: () => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(task: () => Promise<void>, onError: (error: unknown) => void) {
    this.#task = task;
    this.#onError = onError;
  }

  /** Runs the task, or asks for one more run after the running one; resolves when the running one ends. */
  run(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#task().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.runInBackground();
      }
    });
    return this.#running;
  }

  /** {@link run}, its failure going to `onError`. */
  runInBackground(): void {
    this.run().catch(this.#onError);
  }
}
