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
/** A full slab holding less than this share in stored bytes is worth emptying. */
const SPARSE = 1 / 8;

/**
 * Copies of byte arrays, each a view into the slab being filled. A slab is an ordinary
 * ArrayBuffer, freed by the garbage collector once no view of it is left. Eviction takes the
 * oldest first, so slabs empty in order; deletions leave holes, where a few survivors would
 * keep a whole slab: {@link ByteSlabs.sparse} names those slabs so that their survivors can be
 * copied out. A view a caller kept keeps its slab alive for that caller.
 */
export class ByteSlabs {
  #slab = new Uint8Array(0);
  #used = 0;
  /** Bytes of the views given out and not dropped, per slab that still has some. */
  #live = new Map<ArrayBufferLike, number>();

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
    const buffer = this.#slab.buffer;
    this.#live.set(buffer, (this.#live.get(buffer) ?? 0) + n);
    return this.#slab.subarray(start, start + n);
  }

  /** `view` (from {@link copy}) is no longer stored. */
  drop(view: Uint8Array): void {
    const live = this.#live.get(view.buffer);
    if (live === undefined) return; // an array of its own
    if (live > view.length) this.#live.set(view.buffer, live - view.length);
    else this.#live.delete(view.buffer);
  }

  /** Full slabs whose stored bytes fell below {@link SPARSE} of their size. */
  sparse(): Set<ArrayBufferLike> {
    const found = new Set<ArrayBufferLike>();
    for (const [buffer, live] of this.#live) {
      if (buffer !== this.#slab.buffer && live < SLAB_BYTES * SPARSE) found.add(buffer);
    }
    return found;
  }

  /** Nothing stored is in these slabs any more: their views were copied elsewhere. */
  emptied(buffers: Iterable<ArrayBufferLike>): void {
    for (const buffer of buffers) this.#live.delete(buffer);
  }

  /** Nothing stored is left: the slab being filled may go with its views. */
  reset(): void {
    this.#slab = new Uint8Array(0);
    this.#used = 0;
    this.#live.clear();
  }
}
