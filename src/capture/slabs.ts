/**
 * Stored messages' bytes packed into large shared arrays ("slabs"). A message's own array
 * costs an ArrayBuffer, its backing store and a malloc chunk of its own each, and those chunks,
 * interleaved with the transport's short-lived ones, keep whole pages of the process heap
 * resident long after the garbage around them is gone.
 */

/** Bytes per slab: hundreds of typical messages; pages are touched only as they fill. */
const SLAB_BYTES = 1024 * 1024;
/** Larger messages get an array of their own: they would leave too much of a slab unused. */
const OWN_ABOVE = 64 * 1024;

/**
 * Copies of byte arrays, each a view into the slab being filled. A slab is an ordinary
 * ArrayBuffer: it is freed by the garbage collector once no view of it is left, so eviction,
 * deletion and `clear()` need no bookkeeping here. A view kept anywhere (a stored message, a
 * caller's reference) keeps its whole slab alive.
 */
export class ByteSlabs {
  #slab = new Uint8Array(0);
  #used = 0;

  /** A copy of `bytes` that reads the same, in a slab unless it is large. */
  copy(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    if (n > OWN_ABOVE) return new Uint8Array(bytes);
    if (this.#used + n > this.#slab.length) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#used = 0;
    }
    const start = this.#used;
    this.#slab.set(bytes, start);
    this.#used = start + n;
    return this.#slab.subarray(start, start + n);
  }

  /** Starts a new slab for what comes next, so that the current one can be freed with its views. */
  release(): void {
    this.#slab = new Uint8Array(0);
    this.#used = 0;
  }
}
