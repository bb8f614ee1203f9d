/**
 * Push-to-pull adapter for the Bun transport, whose runtime delivers data by callback (the
 * `node:stream` transports pull through StreamConn instead): chunks queue until `read()`
 * asks. The queue pauses the source past `highWater` bytes, so a client that sends faster than
 * the session reads meets TCP backpressure instead of growing our memory.
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #waiter: ((chunk: Uint8Array | null) => void) | null = null;
  #ended = false;
  #paused = false;

  /** `source` is paused past `highWater` queued bytes and resumed below half of it. */
  constructor(
    private readonly source: { pause(): void; resume(): void },
    private readonly highWater = 256 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (!this.#paused && this.#bytes > this.highWater) {
      this.#paused = true;
      this.source.pause();
    }
  }

  /** No more data will come (peer closed, error, or we closed). */
  end(): void {
    this.#ended = true;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w(null);
    }
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.#chunks.shift();
    if (chunk) {
      this.#bytes -= chunk.length;
      if (this.#paused && this.#bytes <= this.highWater / 2) {
        this.#paused = false;
        this.source.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#ended) return Promise.resolve(null);
    return new Promise(this.#park);
  }

  /** The executor of every waiting read: one per queue, not a closure per read. */
  readonly #park = (resolve: (chunk: Uint8Array | null) => void): void => {
    this.#waiter = resolve;
  };
}
