import type { SweepProgress } from '../../engine/common.js';

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Progress on a terminal: one bar redrawn in place. Elsewhere (CI logs, pipes): one plain line each
 * time the done count moves, so logs stay readable.
 */
export class ProgressView {
  private lastDone = -1;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly tty = Boolean(stream.isTTY),
  ) {}

  update(p: SweepProgress): void {
    const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
    const eta = p.etaMs !== undefined ? ` ETA ${duration(p.etaMs)}` : '';
    if (this.tty) {
      const width = 30;
      const filled = Math.round((width * pct) / 100);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${pct}%${eta}  ${p.current ?? ''}`;
      const cols = this.stream.columns ?? 120;
      this.stream.write(`\r${line.slice(0, cols - 1).padEnd(cols - 1)}`);
    } else if (p.done !== this.lastDone) {
      this.stream.write(`progress ${p.done}/${p.total} ${pct}%${eta}\n`);
    }
    this.lastDone = p.done;
  }

  end(): void {
    if (this.tty) this.stream.write('\n');
  }
}
