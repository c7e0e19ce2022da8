import type { Writable } from 'node:stream';

/** Progress of long work. A no-op unless stderr is a terminal and output is not --json. */
export interface Progress {
  /** Adds `n` done units; `total` may be updated as it becomes known. */
  tick(n?: number, note?: string): void;
  setTotal(total: number): void;
  done(): void;
}

export const NO_PROGRESS: Progress = { tick() {}, setTotal() {}, done() {} };

export interface ProgressFactory {
  (label: string, total?: number): Progress;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

/** A bar on stderr: done/total, rate, ETA, and an optional note (errors). Redraws at most 10 times a second. */
export function createProgressFactory(options: { enabled: boolean; stream: Writable; now?: () => number }): ProgressFactory {
  const now = options.now ?? (() => performance.now());
  return (label, initialTotal) => {
    if (!options.enabled) return NO_PROGRESS;
    const started = now();
    let done = 0;
    let total = initialTotal ?? 0;
    let lastDraw = 0;
    let note = '';
    const draw = (force: boolean) => {
      const t = now();
      if (!force && t - lastDraw < 100) return;
      lastDraw = t;
      const elapsed = (t - started) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      const width = 24;
      const share = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(share * width);
      const bar = total > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
      const count = total > 0 ? `${done}/${total}` : `${done}`;
      const eta = total > 0 && rate > 0 ? ` eta ${formatDuration((total - done) / rate)}` : '';
      options.stream.write(`\r\x1b[2K${label} ${bar}${count} ${Math.round(rate)}/s${eta}${note ? ` ${note}` : ''}`);
    };
    return {
      tick(n = 1, newNote) {
        done += n;
        if (newNote !== undefined) note = newNote;
        draw(false);
      },
      setTotal(n) {
        total = n;
      },
      done() {
        draw(true);
        options.stream.write('\n');
      },
    };
  };
}
