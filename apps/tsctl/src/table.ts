/**
 * Tables as kubectl prints them: Go's tabwriter with kubectl's settings (minimum cell width 6,
 * padding 3, spaces), upper-case headers, the last column unpadded.
 */

const MIN_WIDTH = 6;
const PADDING = 3;

/** Column widths (padding included) that fit every row. */
export function columnWidths(rows: readonly (readonly string[])[], atLeast: readonly number[] = []): number[] {
  const widths = [...atLeast];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, MIN_WIDTH, cell.length + PADDING);
    });
  }
  return widths;
}

/** One line per row, each cell padded to its column's width except the last. */
export function formatRows(rows: readonly (readonly string[])[], widths: readonly number[]): string {
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(''))
    .map((line) => `${line}\n`)
    .join('');
}

export function formatTable(headers: readonly string[] | undefined, rows: readonly (readonly string[])[]): string {
  const all = headers === undefined ? rows : [headers, ...rows];
  return formatRows(all, columnWidths(all));
}
