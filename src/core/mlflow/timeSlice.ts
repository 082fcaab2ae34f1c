/**
 * Synchronous file reads in time slices. Reading a store's many small files with sync fs costs a fraction of the CPU
 * of async reads (no round trip through libuv's thread pool per open/read/close), but a long run of them would block
 * the extension host; so a reader does sync work for a few milliseconds, then yields to the event loop once
 * (`setImmediate`) and checks for cancellation before the next slice.
 */

/** How long one slice of synchronous reads may run before the event loop gets a turn. */
export const SLICE_MS = 8;

function abortError(): Error {
  const err = new Error('reading the MLflow store was cancelled');
  err.name = 'AbortError';
  return err;
}

export class TimeSlicer {
  private start = performance.now();

  constructor(private readonly signal?: AbortSignal, private readonly sliceMs = SLICE_MS) {}

  /** Call between units of synchronous work: yields when the slice is used up; throws AbortError when cancelled. */
  async next(): Promise<void> {
    if (performance.now() - this.start >= this.sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.start = performance.now();
    }
    if (this.signal?.aborted) { throw abortError(); }
  }
}
