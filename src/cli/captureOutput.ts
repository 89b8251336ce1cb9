/**
 * Test helper: while each test of the calling file runs, what the CLI writes to stdout is collected line by
 * line into the returned array (cleared before every test) and stderr is dropped; the spies are removed
 * after each test.
 */
import { afterEach, beforeEach, vi } from 'vitest';

export function captureCliOutput(): string[] {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());
  return lines;
}
