/**
 * CLI output per the contract (design/architecture.md §4): with --json one JSON object per line, summary
 * last; errors → a `{"error": "..."}` line and a non-zero exit. Without --json, short human lines.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** A progress/record line. */
  line(obj: Record<string, unknown>, human?: string): void {
    if (this.json) process.stdout.write(JSON.stringify(obj, replacer) + '\n');
    else process.stdout.write((human ?? formatHuman(obj)) + '\n');
  }

  /** The final summary line. */
  summary(obj: Record<string, unknown>): void {
    this.line({ ...obj, final: true });
  }

  error(message: string): void {
    if (this.json) process.stdout.write(JSON.stringify({ error: message }) + '\n');
    process.stderr.write(`dppo: ${message}\n`);
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

function formatHuman(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toPrecision(4)) : JSON.stringify(v, replacer)}`)
    .join('  ');
}
