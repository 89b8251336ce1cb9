/**
 * Fixed-capacity ring of Float32 frames (e.g. viewer poses). The writer pushes whole frames; the reader
 * takes the newest. No allocation after construction: hot data bypasses React (architecture.md §5.7).
 */
export class FrameRing {
  readonly frames: Float32Array;
  readonly times: Float64Array;
  private head = 0;
  private count = 0;

  constructor(
    readonly frameSize: number,
    readonly capacity: number,
  ) {
    this.frames = new Float32Array(frameSize * capacity);
    this.times = new Float64Array(capacity);
  }

  push(frame: ArrayLike<number>, time: number): void {
    if (frame.length !== this.frameSize) {
      throw new Error(`FrameRing: frame has ${frame.length} values, expected ${this.frameSize}`);
    }
    this.frames.set(frame, this.head * this.frameSize);
    this.times[this.head] = time;
    this.head = (this.head + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The frame `back` steps before the newest (0 = newest), or null when there is none. */
  peek(back = 0): Float32Array | null {
    if (back >= this.count) return null;
    const idx = (this.head - 1 - back + this.capacity) % this.capacity;
    return this.frames.subarray(idx * this.frameSize, (idx + 1) * this.frameSize);
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
