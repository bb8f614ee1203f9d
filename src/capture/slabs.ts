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
  /**
   * Every slab made, while anything holds it: a view into one of them is never written again
   * (only the slab being filled is, and only past its last view), so it is kept as it is.
   */
  #ours = new WeakSet<ArrayBufferLike>();

  /** A copy of `bytes` that reads the same, in a slab unless it is large. */
  copy(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    if (n > OWN_ABOVE) return new Uint8Array(bytes);
    const view = this.#claim(bytes);
    this.#count(view);
    return view;
  }

  /**
   * `bytes` for keeping: the bytes of a view {@link append} wrote (or {@link copy} gave) kept
   * where they are, anything else copied (see {@link copy}). Either way a view object of the
   * store's own: what others keyed by the one they saw (lint's findings by body, in a
   * WeakMap) must not live as long as the stored message.
   */
  keep(bytes: Uint8Array): Uint8Array {
    if (!this.#ours.has(bytes.buffer)) return this.copy(bytes);
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    this.#count(view);
    return view;
  }

  /**
   * `view` (null: nothing yet) with `bytes` after it, written into the slab being filled, for a
   * body that arrives in pieces; null when it cannot stay one view in a slab (another claim came
   * in between, the slab is full, or the whole is large). Not stored until {@link keep}.
   */
  append(view: Uint8Array | null, bytes: Uint8Array): Uint8Array | null {
    if (view === null) return bytes.length > OWN_ABOVE ? null : this.#claim(bytes);
    const end = view.byteOffset + view.length;
    const size = view.length + bytes.length;
    if (
      view.buffer !== this.#slab.buffer || end !== this.#used || size > OWN_ABOVE ||
      end + bytes.length > this.#slab.length
    ) return null;
    this.#slab.set(bytes, end);
    this.#used = end + bytes.length;
    return this.#slab.subarray(view.byteOffset, this.#used);
  }

  /** `bytes` written into the slab being filled (a new one when they do not fit). */
  #claim(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    if (this.#used + n > this.#slab.length) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#ours.add(this.#slab.buffer);
      this.#used = 0;
    }
    const start = this.#used;
    this.#slab.set(bytes, start);
    this.#used = start + n;
    return this.#slab.subarray(start, start + n);
  }

  /** `view`'s bytes are stored. */
  #count(view: Uint8Array): void {
    const buffer = view.buffer;
    this.#live.set(buffer, (this.#live.get(buffer) ?? 0) + view.length);
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
