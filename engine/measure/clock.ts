/** Milliseconds from a monotonic clock (performance.now exists in Node, workers and browsers). */
export function now(): number {
  return performance.now();
}
