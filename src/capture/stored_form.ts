/**
 * What a record holds for as long as it is stored, trimmed as it is stored with every value
 * unchanged: thousands of records stay in the heap at once, and the heap grows to a multiple of
 * what survives each collection.
 */
import { NO_PARAMS, type ReceivedMessage } from "../smtp/message.ts";
import type { EsmtpParams } from "../smtp/params.ts";
import type { Address } from "../smtp/wire.ts";
import { ByteSlabs } from "./slabs.ts";
import { SlabBody } from "./slab_body.ts";

/** Distinct strings remembered at most; past that the table starts again (a bound, not a cache policy). */
const MAX_INTERNED = 4096;

/**
 * Shares the strings and objects that repeat from record to record. A dialect's sender, HELO
 * and recipients are slices of their command lines (a slice keeps the whole line alive), and
 * every session of a listener has its own copy of the same local address.
 */
class Interner {
  #strings = new Map<string, string>();
  /** Lists of one recipient by that recipient. */
  #single = new Map<string, string[]>();
  /** Longer lists by all of them written as JSON. */
  #multiple = new Map<string, string[]>();
  /** Lists of no parameters, by length. */
  #noParams: EsmtpParams[][] = [];
  #shared: Address | null = null;
  /** The address object last given to {@link local}, and what it gave. */
  #localIn: Address | null = null;
  #localOut: Address | null = null;
  /** The address object last given to {@link remote}. */
  #lastRemote: Address | null = null;

  string(s: string): string {
    if (typeof s !== "string") return s; // a record built by hand, not by a dialect
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    if (this.#strings.size >= MAX_INTERNED) this.#strings.clear();
    // A copy of its own: the first occurrence is as much a slice of its line as any other.
    const own = [...s].join("");
    this.#strings.set(own, own);
    return own;
  }

  /**
   * A frozen list equal to `to`, shared by every record with the same recipients: a list of
   * its own costs two objects per stored message.
   */
  recipients(to: readonly string[]): string[] {
    const lists = to.length === 1 ? this.#single : this.#multiple;
    const key = to.length === 1 ? to[0] : JSON.stringify(to);
    const known = lists.get(key);
    if (known) return known;
    if (lists.size >= MAX_INTERNED) lists.clear();
    const own = Object.freeze(to.map((a) => this.string(a))) as string[];
    lists.set(to.length === 1 ? own[0] : key, own); // not the slice as the key: it keeps its line
    return own;
  }

  /** `params` with no parameters as {@link NO_PARAMS}; all of them none: one frozen shared list. */
  rcptParams(params: readonly EsmtpParams[]): EsmtpParams[] {
    // Looked over before any list is made: nearly every record has none.
    for (let i = 0; i < params.length; i++) {
      if (ownParams(params[i]) !== NO_PARAMS || params.length > 64) return params.map(ownParams);
    }
    return this.#noParams[params.length] ??= Object.freeze(params.map(ownParams)) as EsmtpParams[];
  }

  /** The address a listener's sessions share (equal fields), else `a` with a shared host string. */
  local(a: Address): Address {
    // The messages of one session share its address object: answered as for the last one
    // (no list of its keys made again).
    const known = this.#localOut;
    if (
      a === this.#localIn && known !== null && known.hostname === a.hostname &&
      known.port === a.port
    ) {
      return known;
    }
    this.#localIn = a;
    return this.#localOut = this.#local(a);
  }

  #local(a: Address): Address {
    if (!plain(a)) return this.remote(a);
    const last = this.#shared;
    if (last?.hostname === a.hostname && last.port === a.port) return last;
    this.#shared = this.remote(a);
    return a;
  }

  /** `a` itself, its host name the shared string of equal value (unless it is read-only). */
  remote(a: Address): Address {
    if (a === this.#lastRemote) return a; // a session's next message: done for its first
    if (typeof a?.hostname === "string") Reflect.set(a, "hostname", this.string(a.hostname));
    this.#lastRemote = a;
    return a;
  }
}

/** Only the two fields of an address: another with equal fields is the same value. */
function plain(a: Address): boolean {
  return !!a && typeof a === "object" && Object.keys(a).length === 2;
}

/** Keeps records in their stored form; one per store. */
export class StoredForm {
  readonly #bytes = new ByteSlabs();
  readonly #interned = new Interner();

  /**
   * Where a DATA body of at most `max` bytes may be written as it arrives: its bytes are then
   * kept as they are, not copied.
   */
  body(max: number): SlabBody {
    return new SlabBody(this.#bytes, max);
  }

  /**
   * Trims `message` in place: its bytes copied into a slab (never the transport's chunk or
   * `Buffer`; a {@link body}'s taken as they are), sender and HELO as shared strings, the
   * recipients and a list of no parameters as frozen lists shared by equal records, no
   * parameters as the one shared {@link NO_PARAMS}.
   */
  keep(message: ReceivedMessage): void {
    const strings = this.#interned;
    message.data = this.#bytes.keep(message.data);
    message.from = strings.string(message.from);
    message.to = strings.recipients(message.to);
    message.helo = strings.string(message.helo);
    message.remoteAddress = strings.remote(message.remoteAddress);
    message.localAddress = strings.local(message.localAddress);
    if (message.mailParams) message.mailParams = ownParams(message.mailParams);
    if (message.rcptParams) message.rcptParams = strings.rcptParams(message.rcptParams);
  }

  /** `message` is no longer stored. */
  drop(message: ReceivedMessage): void {
    this.#bytes.drop(message.data);
  }

  /**
   * Copies the bytes of `stored` records that sit in a slab deletions left nearly empty into
   * the slab being filled, so that the nearly empty one can be freed. Values unchanged.
   */
  compact(stored: readonly { readonly message: ReceivedMessage }[]): void {
    const sparse = this.#bytes.sparse();
    if (sparse.size === 0) return;
    for (const { message } of stored) {
      if (sparse.has(message.data.buffer)) message.data = this.#bytes.copy(message.data);
    }
    this.#bytes.emptied(sparse);
  }

  /** Everything stored was dropped: the slab being filled may go with it. */
  forgetAll(): void {
    this.#bytes.reset();
  }
}

function ownParams(params: EsmtpParams): EsmtpParams {
  if (params === NO_PARAMS) return params; // no list of its keys to make
  return Object.keys(params).length ? params : NO_PARAMS;
}
