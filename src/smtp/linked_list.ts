/**
 * An intrusive doubly linked list: each entry carries its own links, so appending, moving an
 * entry to the end and taking one out allocate nothing (a Set or Map would make or rehash an
 * entry on each). Used for per-session bookkeeping on hot paths (idle reads, sessions waiting
 * for fault rules).
 */

/** The links an entry of a {@link LinkedList} carries (one list at a time). */
export interface Linked<T> {
  prev: T | null;
  next: T | null;
  /** True while the entry is in a list. */
  linked: boolean;
}

/** Entries in the order they were appended. */
export class LinkedList<T extends Linked<T>> {
  #first: T | null = null;
  #last: T | null = null;

  /** The oldest entry, or null when empty. */
  get first(): T | null {
    return this.#first;
  }

  /** Appends `entry`, which must not be in a list. */
  push(entry: T): void {
    entry.prev = this.#last;
    if (this.#last) this.#last.next = entry;
    else this.#first = entry;
    this.#last = entry;
    entry.linked = true;
  }

  /** Takes `entry` out; nothing when it is not in the list. */
  remove(entry: T): void {
    if (!entry.linked) return;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#first = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#last = entry.prev;
    entry.prev = entry.next = null;
    entry.linked = false;
  }

  /** Every entry, oldest first, the list emptied. */
  takeAll(): T[] {
    const all: T[] = [];
    for (let e = this.#first; e !== null; e = this.#first) {
      this.remove(e);
      all.push(e);
    }
    return all;
  }
}
