import { describe, expect, it } from 'vitest';
import { formatBytes, PlainProgress, TtyProgress } from './progress.js';

describe('progress', () => {
  it('prints plain lines with size and rate', () => {
    let t = 0;
    const out: string[] = [];
    const p = new PlainProgress((l) => out.push(l), () => t);
    p.start('sha256:0123456789abcdef', 'Downloading', 2_000_000);
    p.advance('sha256:0123456789abcdef', 2_000_000);
    t = 2000;
    p.done('sha256:0123456789abcdef', 'Pull complete');
    expect(out).toEqual(['0123456789ab: Downloading 2.00MB\n', '0123456789ab: Pull complete 2.00MB in 2.0s (1.00MB/s)\n']);
  });

  it('redraws one line per layer on a terminal', () => {
    let screen = '';
    const p = new TtyProgress((s) => (screen += s), 10);
    p.start('a', 'Downloading', 100);
    p.start('b', 'Downloading', 100);
    p.done('a', 'Pull complete');
    expect(screen).toContain('\x1b[2A');
    expect(screen.split('\x1b[2K').at(-2)).toBe('a: Pull complete\n');
    expect(screen).toMatch(/b: Downloading \[ {10}\] 0B\/100B/);
  });

  it('formats sizes as Docker does', () => {
    expect([formatBytes(999), formatBytes(4_260_000), formatBytes(123_400_000)]).toEqual(['999B', '4.26MB', '123.4MB']);
  });
});
