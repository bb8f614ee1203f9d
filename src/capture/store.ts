/**
 * The message store behind the HTTP API, the UI and the library's waits: every accepted
 * message with its Mailpit-style ID, read flag, tags and session facts, bounded by a count
 * and a byte budget (oldest dropped first). Waits and subscribers are woken by the arrival
 * itself, never by polling.
 */
import type { ReceivedMessage } from "../smtp/message.ts";
import type { BodyStore } from "../smtp/framing.ts";
import { type Clock, systemClock } from "../smtp/clock.ts";
import { type Waiter, type WaitOptions, WaitTimeoutError, waitUntil } from "../sinks/memory.ts";
import { parseMessage } from "../mime/view.ts";
import type { MessageView } from "../mime/view.ts";
import { type Query, toQuery } from "./query.ts";
import { newId } from "./id.ts";
import { summarize, type Summary } from "./summary.ts";
import { envelopeTags, mayCarryTags, messageTags, normalizeTags } from "./tags.ts";
import { StoredForm } from "./stored_form.ts";
import { Fifo } from "./fifo.ts";

export { WaitTimeoutError };
export type { Summary };

/** One stored message: the record as it arrived, plus what the store knows about it. */
export interface StoredMessage {
  /** Mailpit-style ID: 22 characters of base57 (shortuuid's alphabet), unique per store. */
  readonly id: string;
  /** Arrival number, 1 for the first message this store ever kept; never reused. */
  readonly seq: number;
  readonly message: ReceivedMessage;
  /** Size of the raw message (`message.data`) in bytes. */
  readonly size: number;
  /** When the store took it (the message's `receivedAt`, the same object). */
  readonly created: Date;
  /**
   * Header facts and search text, made when the message is parsed: on arrival, or with
   * `parseOnArrival: false` on first need (`ready`, `summarize`, a wait or a subscriber that
   * asks for parsed messages). Reading it before then throws.
   */
  readonly summary: Summary;
  /**
   * Sorted, unique ignoring case; from plus-addresses and `X-Tags` on arrival, then as set
   * with `setTags` (replaced, never changed in place: an empty list is a shared frozen one).
   */
  tags: string[];
  read: boolean;
  /** Lint findings for this message (lint's `Finding`s), when a linter ran. */
  lint?: unknown[];
  /**
   * The session transcript: the one given to `add()`, else the store's `transcriptOf` for the
   * message's session (undefined once that no longer keeps it).
   */
  readonly transcript?: unknown;
}

/** No tags, no findings: one frozen array shared by every message that has none. */
const NONE: string[] = Object.freeze([]) as unknown as string[];
/** No extras: one object for every add without any. */
const NO_EXTRAS: AddExtras = Object.freeze({});

/**
 * A stored message. A class so that what is derived (size, created, transcript) costs no
 * field per message: the API's fields are getters over the record.
 */
class Stored implements StoredMessage {
  read = false;
  lint?: unknown[];
  readonly #transcript: unknown;
  readonly #transcriptOf: ((sessionId: number) => unknown) | undefined;
  /** Null until parsed (a lazy store). */
  parsed: Summary | null;

  constructor(
    readonly id: string,
    readonly seq: number,
    readonly message: ReceivedMessage,
    summary: Summary | null,
    public tags: string[],
    extras: AddExtras,
    transcriptOf: ((sessionId: number) => unknown) | undefined,
  ) {
    if (extras.lint) this.lint = extras.lint.length ? extras.lint : NONE;
    this.#transcript = extras.transcript;
    this.#transcriptOf = transcriptOf;
    this.parsed = summary;
  }

  get summary(): Summary {
    if (this.parsed) return this.parsed;
    throw new Error(
      `message ${this.id} is not parsed yet: await the store's ready(query) or summarize()`,
    );
  }

  get size(): number {
    return this.message.data.length;
  }

  get created(): Date {
    return this.message.receivedAt;
  }

  get transcript(): unknown {
    if (this.#transcript !== undefined) return this.#transcript;
    const session = this.message.sessionId;
    return session === undefined ? undefined : this.#transcriptOf?.(session);
  }

  /** Own fields and getters alike, so a stored message reads the same as JSON as a literal. */
  toJSON(): Record<string, unknown> {
    const { id, seq, message, size, created, summary, tags, read, lint, transcript } = this;
    return {
      id,
      seq,
      message,
      size,
      created,
      summary,
      tags,
      read,
      ...(lint && { lint }),
      ...(transcript !== undefined && { transcript }),
    };
  }
}

/** What the embedder adds beside the message. */
export interface AddExtras {
  /** Tags on top of those the message itself carries. */
  tags?: string[];
  lint?: unknown[];
  transcript?: unknown;
}

/** What changed, for websocket/SSE pushes and the UI. */
export type StoreEvent =
  | { type: "new"; message: StoredMessage }
  | { type: "update"; message: StoredMessage }
  /** `evicted`: pushed out by the store's limits, not deleted by anyone. */
  | { type: "delete"; ids: string[]; reason: "deleted" | "evicted" }
  | { type: "clear" };

export type StoreListener = (event: StoreEvent) => void;

/** One page of a search, with the counts Mailpit's `/api/v1/search` answers with. */
export interface SearchPage {
  /** Messages in the store. */
  total: number;
  /** Unread messages in the store. */
  unread: number;
  /** Messages matching the query. */
  messagesCount: number;
  /** Unread messages matching the query. */
  messagesUnread: number;
  /** Offset of the first returned match. */
  start: number;
  /** Number returned on this page (`messages.length`). */
  count: number;
  /** All tags in the store, sorted. */
  tags: string[];
  /** The page, newest first. */
  messages: StoredMessage[];
}

export interface CaptureStoreOptions {
  /** Most messages kept; the oldest is dropped first. Default 500 (Mailpit's default). 0: no limit. */
  max?: number;
  /** Most bytes of raw messages kept; the oldest are dropped first. Default 0: no limit. */
  maxBytes?: number;
  /** Times the waits' timeouts: the server's clock, so a fake one drives them too. */
  clock?: Clock;
  /** Tag messages sent to `user+tag@` (Mailpit's plus-address tagging). Default true. */
  tagsFromPlusAddresses?: boolean;
  /** Views kept parsed for `view()`; older ones are parsed again when asked. Default 50. */
  viewCache?: number;
  /**
   * Raw bytes of the messages whose views are kept, at most (a view holds decoded copies of
   * the parts, so about as much again). Default 32 MiB; the most recent view is always kept.
   */
  viewCacheBytes?: number;
  /**
   * The transcript of a session by its id, for messages added without one: transcripts are
   * kept per session in their own bounded store (serve's `--transcripts`), not per message.
   */
  transcriptOf?: (sessionId: number) => unknown;
  /**
   * Parse each message on arrival (default), so that every synchronous method can read its
   * summary at once. `false` (serve): a message is parsed on first need — a query that reads
   * parsed fields after `await ready(query)`, a listed page after `await summarize(page)`, a
   * wait whose query needs them, a subscriber that asked for parsed messages, or tags that
   * its header may carry — and kept parsed from then on.
   */
  parseOnArrival?: boolean;
}

export type { WaitOptions };

/**
 * Every message the server accepted, newest first.
 *
 * Order: lists and searches are newest first (highest `seq` first), as Mailpit's are. `seq`
 * follows the order of `add()` calls, even when a later message is parsed sooner.
 */
export class CaptureStore {
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #clock: Clock;
  readonly #plusTags: boolean;
  readonly #viewCacheSize: number;
  readonly #viewCacheBytes: number;
  readonly #transcriptOf: ((sessionId: number) => unknown) | undefined;
  readonly #eager: boolean;
  /** Pending waits and subscribers that read parsed fields of each arrival. */
  #parsedReaders = 0;
  #viewBytes = 0;
  /** Oldest first: eviction takes from the front, arrival appends. */
  #items = new Fifo<StoredMessage>();
  #byId = new Map<string, StoredMessage>();
  #bytes = 0;
  #seq = 0;
  #waiters = new Set<Waiter>();
  #listeners = new Set<StoreListener>();
  /** Least recently used first; each entry with the raw size it accounts for. */
  #views = new Map<string, { view: Promise<MessageView>; size: number }>();
  /** The message being inserted while waiters are checked, else null. */
  #arrival: StoredMessage | null = null;
  /** Keeps `add()` insertions in call order while parsing runs concurrently. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Adds waiting in {@link #tail}'s queue (to be parsed, or behind one that is). */
  #queued = 0;
  readonly #form = new StoredForm();

  constructor(options: CaptureStoreOptions = {}) {
    this.#max = options.max ?? 500;
    this.#maxBytes = options.maxBytes ?? 0;
    this.#clock = options.clock ?? systemClock;
    this.#plusTags = options.tagsFromPlusAddresses ?? true;
    this.#viewCacheSize = options.viewCache ?? 50;
    this.#viewCacheBytes = options.viewCacheBytes ?? 32 * 1024 * 1024;
    this.#transcriptOf = options.transcriptOf;
    this.#eager = options.parseOnArrival ?? true;
  }

  /** Messages held now. */
  get size(): number {
    return this.#items.length;
  }

  /** Bytes of raw messages held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Where the DATA body of a message for this store may be written as it arrives (at most
   * `max` bytes): a message added with that body keeps it without a copy.
   */
  dataBody(max: number): BodyStore {
    return this.#form.body(max);
  }

  /**
   * Stores `message` and resolves with its record once it is listed and waiters are woken.
   * Parsing (for subject, addresses, search text) happens here, never later in a listing.
   */
  add(message: ReceivedMessage, extras: AddExtras = NO_EXTRAS): Promise<StoredMessage> {
    const seq = ++this.#seq;
    this.#form.keep(message);
    const now = this.#mustParse(message);
    if (!now && this.#queued === 0) {
      // Nothing to parse and no add queued ahead: stored at once, not a turn of the queue
      // later (a promise chain and an async function per message saved).
      try {
        return Promise.resolve(this.#store(message, seq, null, extras));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.#queue(message, seq, now, extras);
  }

  /**
   * {@link add} when `message` can be stored at once (nothing to parse, no add queued ahead):
   * its record, listed and waiters woken, with no promise made; else undefined, and nothing
   * was done (then {@link add} it).
   */
  addNow(message: ReceivedMessage, extras: AddExtras = NO_EXTRAS): StoredMessage | undefined {
    if (this.#queued > 0 || this.#mustParse(message)) return undefined;
    const seq = ++this.#seq;
    this.#form.keep(message);
    return this.#store(message, seq, null, extras);
  }

  /** Whether `message` is parsed before it is stored. */
  #mustParse(message: ReceivedMessage): boolean {
    return this.#eager || this.#parsedReaders > 0 || mayCarryTags(message.data, this.#plusTags);
  }

  /**
   * {@link add} behind the adds queued ahead, parsed first when `parse`. A method of its own:
   * its closure would cost the fast path an allocation per call.
   */
  #queue(
    message: ReceivedMessage,
    seq: number,
    parse: boolean,
    extras: AddExtras,
  ): Promise<StoredMessage> {
    this.#queued++;
    const parsed = parse ? parseMessage(message.data) : null;
    const done = this.#tail.then(async () => {
      try {
        let view = parsed && await parsed;
        // A wait or subscriber that reads parsed fields may have come meanwhile: checked
        // again after the last await, so the arrival they see is always parsed.
        while (!view && this.#parsedReaders > 0) view = await parseMessage(message.data);
        return this.#store(message, seq, view, extras);
      } finally {
        this.#queued--;
      }
    });
    // A failed add must not block the ones queued behind it.
    this.#tail = done.catch(() => {});
    return done;
  }

  /** Stores `message` (parsed into `view`, or not yet) as number `seq`. */
  #store(
    message: ReceivedMessage,
    seq: number,
    view: MessageView | null,
    extras: AddExtras,
  ): StoredMessage {
    const own = view
      ? messageTags(view, message, this.#plusTags)
      : envelopeTags(message, this.#plusTags);
    const all = extras.tags ? [...own, ...extras.tags] : own;
    const tags = all.length ? normalizeTags(all) : NONE;
    const stored = new Stored(
      newId(),
      seq,
      message,
      view && summarize(view, message),
      tags.length ? tags : NONE,
      extras,
      this.#transcriptOf,
    );
    // Cached first: a listener of the `new` event that asks for the view gets this one.
    if (view) this.#cacheView(stored.id, Promise.resolve(view), stored.size);
    this.#insert(stored);
    return stored;
  }

  /**
   * Parses every held message `query` needs parsed (all of them when it reads parsed fields,
   * none otherwise), so that the synchronous `list`, `search`, `latest` and `delete` can
   * test it. Nothing to do in a store that parses on arrival.
   */
  async ready(query?: string | Query): Promise<void> {
    if (!toQuery(query).parsed) return;
    // Again until none is left: messages that arrived while parsing came in unparsed.
    while (this.#items.some((m) => !(m as Stored).parsed)) {
      await this.summarize(this.#items.toArray());
    }
  }

  /** Parses those of `messages` not parsed yet (a listed page, one message) and keeps that. */
  async summarize(messages: readonly StoredMessage[]): Promise<void> {
    // A few at a time: parsing a whole large store at once would hold every tree at once.
    const todo = messages.filter((m) => m instanceof Stored && !m.parsed) as Stored[];
    for (let i = 0; i < todo.length; i += 32) {
      await Promise.all(
        todo.slice(i, i + 32).map(async (m) => {
          const view = await (this.#views.get(m.id)?.view ?? parseMessage(m.message.data));
          m.parsed ??= summarize(view, m.message);
        }),
      );
    }
  }

  #insert(stored: StoredMessage): void {
    this.#items.push(stored);
    this.#byId.set(stored.id, stored);
    this.#bytes += stored.size;
    let evicted: string[] | null = null; // made for the first one: most arrivals evict none
    while (
      this.#items.length > 1 &&
      ((this.#max > 0 && this.#items.length > this.#max) ||
        (this.#maxBytes > 0 && this.#bytes > this.#maxBytes))
    ) {
      const old = this.#items.shift()!;
      this.#forget(old);
      (evicted ??= []).push(old.id);
    }
    // Events and the waiters' check only for someone there to get them (no event objects
    // and list copies per arrival for nobody).
    if (this.#listeners.size > 0) {
      if (evicted) this.#emit({ type: "delete", ids: evicted, reason: "evicted" });
      this.#emit({ type: "new", message: stored });
    }
    if (this.#waiters.size === 0) return;
    this.#arrival = stored;
    try {
      for (const w of [...this.#waiters]) w.check();
    } finally {
      this.#arrival = null;
    }
  }

  #forget(m: StoredMessage): void {
    this.#form.drop(m.message);
    this.#byId.delete(m.id);
    this.#uncacheView(m.id);
    this.#bytes -= m.size;
  }

  /** The message with this ID, or undefined. */
  get(id: string): StoredMessage | undefined {
    return this.#byId.get(id);
  }

  /** The newest message matching `query` (all when omitted), or undefined. */
  latest(query?: string | Query): StoredMessage | undefined {
    const q = toQuery(query);
    for (let i = this.#items.length - 1; i >= 0; i--) {
      const m = this.#items.at(i)!;
      if (q.matches(m)) return m;
    }
    return undefined;
  }

  /** Messages matching `query` (all when omitted), newest first. */
  list(query?: string | Query): StoredMessage[] {
    const q = toQuery(query);
    const out: StoredMessage[] = [];
    for (let i = this.#items.length - 1; i >= 0; i--) {
      const m = this.#items.at(i)!;
      if (q.matches(m)) out.push(m);
    }
    return out;
  }

  /** One page of the messages matching `query`, newest first, with Mailpit's counts. */
  search(
    query?: string | Query,
    page: { start?: number; limit?: number } = {},
  ): SearchPage {
    const q = toQuery(query);
    const start = Math.max(0, page.start ?? 0);
    const end = (page.limit ?? 50) < 0 ? Infinity : start + (page.limit ?? 50);
    // One pass, newest first: counts for all, objects only for the page.
    const messages: StoredMessage[] = [];
    let unread = 0, matched = 0, matchedUnread = 0;
    for (let i = this.#items.length - 1; i >= 0; i--) {
      const m = this.#items.at(i)!;
      if (!m.read) unread++;
      if (!q.matches(m)) continue;
      if (matched >= start && matched < end) messages.push(m);
      matched++;
      if (!m.read) matchedUnread++;
    }
    return {
      total: this.#items.length,
      unread,
      messagesCount: matched,
      messagesUnread: matchedUnread,
      start,
      count: messages.length,
      tags: this.tags(),
      messages,
    };
  }

  /**
   * Every tag in use, once ignoring case (the oldest message's spelling), sorted by code unit
   * (as Mailpit's list).
   */
  tags(): string[] {
    const all: string[] = [];
    for (const m of this.#items) all.push(...m.tags);
    return normalizeTags(all);
  }

  /**
   * Deletes the given IDs, or every message matching a query (an empty query matches all);
   * returns the IDs deleted.
   */
  delete(target: readonly string[] | string | Query): string[] {
    const doomed = Array.isArray(target)
      ? new Set(target.filter((id) => this.#byId.has(id)))
      : new Set(this.list(target as string | Query).map((m) => m.id));
    if (doomed.size === 0) return [];
    const kept: StoredMessage[] = [];
    for (const m of this.#items) {
      if (doomed.has(m.id)) this.#forget(m);
      else kept.push(m);
    }
    this.#items.replace(kept);
    this.#form.compact(kept);
    const ids = [...doomed];
    this.#emit({ type: "delete", ids, reason: "deleted" });
    return ids;
  }

  /** Deletes everything. */
  clear(): void {
    this.#items.replace([]);
    this.#byId.clear();
    this.#views.clear();
    this.#viewBytes = 0;
    this.#bytes = 0;
    this.#form.forgetAll();
    this.#emit({ type: "clear" });
  }

  /** Marks messages read or unread; returns those that changed. */
  setRead(ids: readonly string[], read: boolean): StoredMessage[] {
    return this.#update(ids, (m) => {
      if (m.read === read) return false;
      m.read = read;
      return true;
    });
  }

  /** Replaces the tags of messages (Mailpit's `PUT /api/v1/tags`); returns those that changed. */
  setTags(ids: readonly string[], tags: readonly string[]): StoredMessage[] {
    const next = normalizeTags(tags);
    return this.#update(ids, (m) => {
      if (next.join("\0") === m.tags.join("\0")) return false;
      m.tags = next.length ? [...next] : NONE;
      return true;
    });
  }

  /** Renames a tag on every message carrying it (case-insensitive match). */
  renameTag(from: string, to: string): StoredMessage[] {
    const lower = from.toLowerCase();
    const ids = this.#items.toArray().filter((m) => m.tags.some((t) => t.toLowerCase() === lower))
      .map((m) => m.id);
    return this.#update(ids, (m) => {
      m.tags = normalizeTags(m.tags.map((t) => (t.toLowerCase() === lower ? to : t)));
      return true;
    });
  }

  #update(ids: readonly string[], change: (m: StoredMessage) => boolean): StoredMessage[] {
    const changed: StoredMessage[] = [];
    for (const id of ids) {
      const m = this.#byId.get(id);
      if (m && change(m)) changed.push(m);
    }
    for (const m of changed) this.#emit({ type: "update", message: m });
    // A wait on `is:read` or `tag:x` is satisfied by an update as much as by an arrival.
    if (changed.length) {
      for (const w of [...this.#waiters]) w.check();
    }
    return changed;
  }

  /**
   * The parsed view of a stored message (text, HTML, attachments, links, codes). The last
   * `viewCache` views are kept; older ones are parsed again from the raw bytes.
   */
  view(id: string): Promise<MessageView> | undefined {
    const m = this.#byId.get(id);
    if (!m) return undefined;
    const cached = this.#views.get(id);
    if (cached) {
      // Most recently used last, so the cache drops the least recently used first.
      this.#views.delete(id);
      this.#views.set(id, cached);
      return cached.view;
    }
    const view = parseMessage(m.message.data);
    this.#cacheView(id, view, m.size);
    return view;
  }

  #cacheView(id: string, view: Promise<MessageView>, size: number): void {
    if (this.#viewCacheSize <= 0) return;
    this.#views.set(id, { view, size });
    this.#viewBytes += size;
    while (
      this.#views.size > 1 &&
      (this.#views.size > this.#viewCacheSize || this.#viewBytes > this.#viewCacheBytes)
    ) {
      this.#uncacheView(this.#views.keys().next().value!);
    }
  }

  #uncacheView(id: string): void {
    const entry = this.#views.get(id);
    if (!entry) return;
    this.#views.delete(id);
    this.#viewBytes -= entry.size;
  }

  /**
   * Resolves with the messages matching `query` (newest first) as soon as at least `count`
   * match, at once if they already do. Woken by the arrival (or update) itself. On timeout it
   * rejects with a {@link WaitTimeoutError} carrying what did match; on abort with the
   * signal's reason. Either way its listener is gone.
   */
  waitFor(
    query: string | Query | undefined,
    count = 1,
    opts: WaitOptions = {},
  ): Promise<StoredMessage[]> {
    const q = toQuery(query);
    const wait = () =>
      waitUntil({
        clock: this.#clock,
        waiters: this.#waiters,
        // An arrival the query does not match cannot complete the wait (evictions only take
        // away): skip the count, which would scan the whole store once per pending wait.
        ready: () =>
          (this.#arrival === null || q.matches(this.#arrival)) &&
          this.#countMatches(q, count) >= count,
        result: () => this.list(q),
        timedOut: () => new WaitTimeoutError(count, this.list(q)),
      }, opts);
    // Registered at once when nothing needs parsing first (a caller may count pending waits).
    if (!q.parsed || this.#eager) return wait();
    // Counted first: from now on every arrival is parsed before the wait tests it.
    this.#parsedReaders++;
    const done = this.ready(q).then(wait);
    done.finally(() => this.#parsedReaders--).catch(() => {});
    return done;
  }

  /** Waits pending now (for tests that check nothing leaks). */
  get pendingWaits(): number {
    return this.#waiters.size;
  }

  /**
   * Calls `listener` for every event from now on; returns the function that stops it. With
   * `parsed`, every arrival is parsed before its `new` event (the listener reads `summary`).
   */
  subscribe(listener: StoreListener, options: { parsed?: boolean } = {}): () => void {
    // Wrapped, so that the same listener subscribed twice is counted and removed twice.
    const entry: StoreListener = (e) => listener(e);
    this.#listeners.add(entry);
    if (options.parsed) this.#parsedReaders++;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#listeners.delete(entry);
      if (options.parsed) this.#parsedReaders--;
    };
  }

  /** Listeners subscribed now (for tests that check nothing leaks). */
  get subscribers(): number {
    return this.#listeners.size;
  }

  #emit(event: StoreEvent): void {
    for (const l of [...this.#listeners]) {
      // One failing listener (a closed socket) must not stop the others or the arrival.
      try {
        l(event);
      } catch {
        // ignored on purpose, see above
      }
    }
  }

  /** Matches counted up to `enough`, newest first (a wait needs no more than that). */
  #countMatches(q: Query, enough: number): number {
    let n = 0;
    for (let i = this.#items.length - 1; i >= 0 && n < enough; i--) {
      if (q.matches(this.#items.at(i)!)) n++;
    }
    return n;
  }
}
