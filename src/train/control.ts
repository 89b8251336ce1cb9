/**
 * Pause/resume/stop for long loops (RunControl in events.ts). The worker owns one per run; the CLI uses
 * alwaysRun.
 *
 * Paused time is not work (issue 13): `pausedMs` counts the time the loop actually spent waiting in
 * checkpoint() while paused, so the loop can subtract it from its wall-clock, phase timings and throughput.
 * A pause requested mid-phase takes effect at the next checkpoint; the work until then is real work.
 */
import type { RunControl } from './events';

export class PausableControl implements RunControl {
  private paused = false;
  private stopRequested = false;
  private waiters: (() => void)[] = [];
  private waitedMs = 0;
  private waitingSince: number | null = null;

  get stopped(): boolean {
    return this.stopRequested;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Milliseconds the loop has spent held in checkpoint() by a pause, the ongoing wait included. */
  get pausedMs(): number {
    return this.waitedMs + (this.waitingSince === null ? 0 : performance.now() - this.waitingSince);
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
    if (!this.paused || this.stopRequested) return;
    this.waitingSince = performance.now();
    try {
      while (this.paused && !this.stopRequested) {
        await new Promise<void>((r) => this.waiters.push(r));
      }
    } finally {
      this.waitedMs += performance.now() - this.waitingSince;
      this.waitingSince = null;
    }
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
