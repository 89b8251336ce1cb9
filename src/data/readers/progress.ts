/** Progress with an ETA and cooperative cancellation for the readers (the data worker streams both). */
import { UserError } from '../../core/errors';

export interface ReadProgress {
  /** What is being read, e.g. "demo 12 of 300" or "observations". */
  phase: string;
  /** Units done / total (steps or episodes; the phase says which). */
  done: number;
  total: number;
  /** Seconds left at the rate so far; null before there is a rate. */
  etaS: number | null;
}

/** Thrown when the caller's AbortSignal fires; the partly read data is dropped. */
export class ReadCancelled extends UserError {
  constructor(name: string) {
    super(`Reading ${name} was cancelled; nothing was imported.`);
    this.name = 'ReadCancelled';
  }
}

/** Reports progress (at most every `minMs`) and checks for cancellation; yields to the event loop so a cancel message can arrive. */
export class Progress {
  private readonly t0 = Date.now();
  private last = 0;

  constructor(
    private readonly name: string,
    private readonly onProgress?: (p: ReadProgress) => void,
    private readonly signal?: AbortSignal,
    private readonly minMs = 100,
  ) {}

  checkCancel(): void {
    if (this.signal?.aborted) throw new ReadCancelled(this.name);
  }

  async tick(phase: string, done: number, total: number, force = false): Promise<void> {
    this.checkCancel();
    const now = Date.now();
    if (!force && now - this.last < this.minMs) return;
    this.last = now;
    const elapsed = (now - this.t0) / 1000;
    const etaS = done > 0 && total > done ? (elapsed / done) * (total - done) : done >= total ? 0 : null;
    this.onProgress?.({ phase, done, total, etaS });
    // Let a pending cancel (a worker message) run before the next chunk.
    await new Promise<void>((r) => setTimeout(r, 0));
    this.checkCancel();
  }
}
