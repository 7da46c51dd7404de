/** Plain-text output for people: aligned tables and progress bars (no colours, so logs and pipes stay clean). */

export function table(rows: ReadonlyArray<object>, columns: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n') + '\n';
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** `[#########...........]  45/100  45%` */
export function bar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total} ${String(Math.round(ratio * 100)).padStart(3)}%`;
}

/**
 * A block of lines redrawn in place on a terminal; elsewhere (a pipe, a CI log) each changed block is
 * printed once, so the output reads as a log of the progress.
 */
export class LiveBlock {
  #lines = 0;
  #last = '';
  constructor(private readonly out: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean }) {}

  render(lines: string[]): void {
    const text = lines.join('\n');
    if (text === this.#last) return;
    this.#last = text;
    if (this.out.isTTY) {
      if (this.#lines > 0) this.out.write(`\x1b[${this.#lines}A\x1b[0J`);
      this.out.write(`${text}\n`);
      this.#lines = lines.length;
    } else {
      this.out.write(`${text}\n`);
    }
  }
}
