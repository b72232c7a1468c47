/** Milliseconds from a monotonic clock (performance.now exists in Node, workers and browsers). */
export function now(): number {
  return performance.now();
}

/**
 * Lets queued events run (a cancel message, a progress post). Awaiting tensor data on cpu and wasm
 * resolves as microtasks, so a sampling loop would otherwise never give the event loop a turn.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
