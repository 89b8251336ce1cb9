/**
 * Pause/resume/stop for long loops (RunControl in events.ts). The worker owns one per run; the CLI uses
 * alwaysRun.
 */
import type { RunControl } from './events';

export class PausableControl implements RunControl {
  private paused = false;
  private stopRequested = false;
  private waiters: (() => void)[] = [];

  get stopped(): boolean {
    return this.stopRequested;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.release();
  }

  stop(): void {
    this.stopRequested = true;
    this.paused = false;
    this.release();
  }

  /** Yields to the event loop (so messages are handled), then waits while paused. */
  async checkpoint(): Promise<void> {
    await new Promise<void>((r) => setTimeout(r, 0));
    while (this.paused && !this.stopRequested) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
