import { describe, expect, it } from 'vitest';
import { columnWidths, formatTable } from './table.js';

describe('formatTable', () => {
  it('pads like kubectl: 3 spaces between columns, minimum width 6, last column bare', () => {
    const out = formatTable(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], [['web-1', '1/1', 'Running', '0', '5m']]);
    expect(out).toBe('NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          5m\n');
  });

  it('keeps earlier widths when rows come later (get -w)', () => {
    expect(columnWidths([['a', 'b']], [10, 10])).toEqual([10, 10]);
    expect(columnWidths([['a-long-name-here', 'b']], [10, 10])).toEqual([19, 10]);
  });
});
