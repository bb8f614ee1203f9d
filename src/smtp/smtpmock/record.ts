/**
 * go-smtp-mock's per-transaction record (its `Message`, spec smtpmock.md §5) and the state
 * flags the handlers consult. Field names follow the Go getters, camelCased.
 *
 * The view of an accepted message is derived from the one message record every persona
 * makes ({@link ReceivedMessage}): envelope and bytes come from it; the request and reply
 * strings and the flags, which only go-smtp-mock's view has, from the transaction state.
 */
import type { ReceivedMessage } from "../message.ts";
import { decodeLine } from "../reply.ts";
import type { Address } from "../wire.ts";

/** A read-only snapshot of a transaction, as go-smtp-mock's `Message` exposes it. */
export interface SmtpmockRecord {
  heloRequest: string;
  heloResponse: string;
  helo: boolean;
  mailfromRequest: string;
  mailfromResponse: string;
  mailfrom: boolean;
  /** `[request line, reply]` pairs of RCPT commands. */
  rcpttoRequestResponse: [string, string][];
  rcptto: boolean;
  dataRequest: string;
  dataResponse: string;
  data: boolean;
  /**
   * Unstuffed body as text, original line endings, without the final `.` line. Decoded on
   * first read, once per body however many records share it.
   */
  readonly msgRequest: string;
  msgResponse: string;
  msg: boolean;
  rsetRequest: string;
  rsetResponse: string;
  rset: boolean;
  noop: boolean;
  quitSent: boolean;
  /** mailfrom && rcptto && data && msg. */
  isConsistent: boolean;
  /** Extracted sender address (`local@domain`) of the accepted MAIL FROM. */
  from: string;
  /** Extracted addresses of the accepted recipients. */
  to: string[];
  /** Body bytes exactly as stored (unstuffed). */
  raw: Uint8Array;
  remoteAddress: Address;
}

/**
 * A body's bytes and, once somebody reads it, its text. Each record of one body shares one
 * instance, so the text is decoded at most once, and never when nobody reads it (the CLI
 * without `-httpApi`).
 */
class Body {
  #text: string | undefined;
  constructor(readonly raw: Uint8Array) {}

  get text(): string {
    return this.#text ??= this.raw.length ? decodeLine(this.raw) : "";
  }
}

const NO_BODY = new Body(new Uint8Array(0));

/** The mutable record a session works on. */
export class Transaction {
  heloRequest = "";
  heloResponse = "";
  helo = false;
  mailfromRequest = "";
  mailfromResponse = "";
  mailfrom = false;
  from = "";
  rcpttoRequestResponse: [string, string][] = [];
  to: string[] = [];
  rcptto = false;
  dataRequest = "";
  dataResponse = "";
  data = false;
  #body = NO_BODY;
  get msgRequest(): string {
    return this.#body.text;
  }
  msgResponse = "";
  msg = false;
  get raw(): Uint8Array {
    return this.#body.raw;
  }
  set raw(bytes: Uint8Array) {
    this.#body = new Body(bytes);
  }
  rsetRequest = "";
  rsetResponse = "";
  rset = false;
  noop = false;
  quitSent = false;

  get isConsistent(): boolean {
    return this.mailfrom && this.rcptto && this.data && this.msg;
  }

  /** A new transaction that keeps only the greeting (after RSET with multipleMessageReceiving). */
  successor(): Transaction {
    const t = new Transaction();
    t.heloRequest = this.heloRequest;
    t.heloResponse = this.heloResponse;
    t.helo = this.helo;
    return t;
  }

  clearMailfrom(): void {
    this.mailfromRequest = this.mailfromResponse = this.from = "";
    this.mailfrom = false;
  }

  clearRcptto(): void {
    this.rcpttoRequestResponse = [];
    this.to = [];
    this.rcptto = false;
  }

  clearData(): void {
    this.dataRequest = this.dataResponse = "";
    this.data = false;
  }

  /** The body's decoder: the transaction's own when the bytes are its body. */
  #bodyOf(data: Uint8Array): Body {
    return data === this.#body.raw ? this.#body : new Body(data);
  }

  clearMsg(): void {
    this.msgResponse = "";
    this.msg = false;
    this.#body = NO_BODY;
  }

  clearRsetNoop(): void {
    this.rsetRequest = this.rsetResponse = "";
    this.rset = this.noop = false;
  }

  /**
   * The view now. Given the record of the message just accepted, envelope and bytes are
   * the record's (shared, not copied); otherwise the transaction's as they stand (a session
   * record may show a transaction that never got its `.`).
   */
  snapshot(remoteAddress: Address, message?: ReceivedMessage): SmtpmockRecord {
    const body = message ? this.#bodyOf(message.data) : this.#body;
    const record: SmtpmockRecord = {
      heloRequest: this.heloRequest,
      heloResponse: this.heloResponse,
      helo: this.helo,
      mailfromRequest: this.mailfromRequest,
      mailfromResponse: this.mailfromResponse,
      mailfrom: this.mailfrom,
      rcpttoRequestResponse: this.rcpttoRequestResponse.map(([a, b]) => [a, b]),
      rcptto: this.rcptto,
      dataRequest: this.dataRequest,
      dataResponse: this.dataResponse,
      data: this.data,
      msgRequest: "",
      msgResponse: this.msgResponse,
      msg: this.msg,
      rsetRequest: this.rsetRequest,
      rsetResponse: this.rsetResponse,
      rset: this.rset,
      noop: this.noop,
      quitSent: this.quitSent,
      isConsistent: this.isConsistent,
      from: message ? message.from : this.from,
      to: message ? message.to : [...this.to],
      raw: body.raw,
      remoteAddress,
    };
    // Lazy only where there is a body: a getter is a closure per record, and most records
    // of connections (health probes) have none. Redefining keeps the key's place.
    if (body !== NO_BODY) {
      Object.defineProperty(record, "msgRequest", { get: () => body.text, enumerable: true });
    }
    return record;
  }
}
