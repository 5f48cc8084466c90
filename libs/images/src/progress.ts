/**
 * Progress of pulls and pushes (and later builds): a reporter interface the library calls per
 * layer, and two renderers. On a terminal, one line per layer redrawn in place, Docker-style;
 * otherwise plain lines, one when a layer starts and one when it ends (with size and rate), so
 * logs stay readable.
 */
export interface ProgressReporter {
  /** A layer (or config) starts: `total` bytes expected (0 when unknown). */
  start(id: string, action: string, total: number): void;
  advance(id: string, bytes: number): void;
  /** Finished, with Docker's word for how: "Pull complete", "Already exists", "Pushed", ... */
  done(id: string, status: string): void;
  /** Everything finished; renderers flush here. */
  finish(): void;
}

export const silentProgress: ProgressReporter = { start() {}, advance() {}, done() {}, finish() {} };

interface Item {
  action: string;
  total: number;
  bytes: number;
  started: number;
  status?: string;
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n}B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)}${units[i] ?? 'TB'}`;
}

function rate(item: Item, now: number): string {
  const secs = Math.max((now - item.started) / 1000, 0.001);
  return `${formatBytes(item.bytes / secs)}/s`;
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Plain lines: "<id>: Downloading 12.3MB" at start, "<id>: Pull complete 12.3MB in 1.2s (10.2MB/s)" at end. */
export class PlainProgress implements ProgressReporter {
  private readonly items = new Map<string, Item>();
  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}
  start(id: string, action: string, total: number): void {
    this.items.set(id, { action, total, bytes: 0, started: this.now() });
    this.write(`${shortId(id)}: ${action}${total > 0 ? ` ${formatBytes(total)}` : ''}\n`);
  }
  advance(id: string, bytes: number): void {
    const item = this.items.get(id);
    if (item !== undefined) item.bytes += bytes;
  }
  done(id: string, status: string): void {
    const item = this.items.get(id);
    const now = this.now();
    const detail = item !== undefined && item.bytes > 0 ? ` ${formatBytes(item.bytes)} in ${((now - item.started) / 1000).toFixed(1)}s (${rate(item, now)})` : '';
    this.write(`${shortId(id)}: ${status}${detail}\n`);
  }
  finish(): void {}
}

/** A terminal: one line per layer with a bar, redrawn at most every 100 ms. */
export class TtyProgress implements ProgressReporter {
  private readonly items = new Map<string, Item>();
  private drawn = 0;
  private last = 0;
  constructor(
    private readonly write: (text: string) => void,
    private readonly width = 30,
  ) {}

  private line(id: string, item: Item, now: number): string {
    if (item.status !== undefined) return `${shortId(id)}: ${item.status}`;
    const frac = item.total > 0 ? Math.min(item.bytes / item.total, 1) : 0;
    const filled = Math.round(frac * this.width);
    const bar = item.total > 0 ? `[${'='.repeat(Math.max(filled - 1, 0))}${filled > 0 ? '>' : ''}${' '.repeat(this.width - filled)}] ` : '';
    const size = item.total > 0 ? `${formatBytes(item.bytes)}/${formatBytes(item.total)}` : formatBytes(item.bytes);
    return `${shortId(id)}: ${item.action} ${bar}${size} ${rate(item, now)}`;
  }

  private render(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const [id, item] of this.items) out += `\x1b[2K${this.line(id, item, now)}\n`;
    this.drawn = this.items.size;
    this.write(out);
  }

  start(id: string, action: string, total: number): void {
    this.items.set(id, { action, total, bytes: 0, started: Date.now() });
    this.render(true);
  }
  advance(id: string, bytes: number): void {
    const item = this.items.get(id);
    if (item === undefined) return;
    item.bytes += bytes;
    this.render(false);
  }
  done(id: string, status: string): void {
    const item = this.items.get(id);
    if (item !== undefined) item.status = status;
    this.render(true);
  }
  finish(): void {
    this.render(true);
  }
}

/** The renderer for a stream: in place on a TTY, plain lines otherwise. */
export function progressFor(stream: { isTTY?: boolean; write(s: string): unknown }): ProgressReporter {
  const write = (s: string): void => {
    stream.write(s);
  };
  return stream.isTTY === true ? new TtyProgress(write) : new PlainProgress(write);
}
