/**
 * Lint for the sessions that open before the lint rules have loaded (serve loads them once
 * the listener greets, to greet sooner): each such session gets an observer that records
 * what the conversation tells it, from the first byte on, and replays it all into the
 * session's real observer when the linter arrives; from then on it forwards.
 *
 * Imports only types, so that it costs nothing before the listener is up.
 */
import type { Conversation, Observer } from "../smtp/conversation.ts";
import type { DataResult } from "../smtp/framing.ts";
import type { Reply } from "../smtp/reply.ts";

/** What a {@link PendingLint} hands its sessions to (a `Linter`). */
export interface SessionObservers {
  /** The observer of session `sessionId`, registered with the linter. */
  observer(sessionId: number): Observer;
  /** Starts linting a session that opens from now on. */
  attach(conv: Conversation): void;
}

type Event = (o: Observer) => void;

/**
 * Records a session's events until {@link forward} names the observer they are for. Has the
 * methods a session's lint observes, `early` included (it makes the session read ahead of
 * its greeting, as the linter's own observer does).
 */
class Recorder implements Observer {
  #events: Event[] | null = [];
  #to: Observer | null = null;

  constructor(readonly sessionId: number) {}

  #tell(event: Event): void {
    if (this.#to) event(this.#to);
    else this.#events!.push(event);
  }

  forward(to: Observer): void {
    const events = this.#events!;
    this.#events = null;
    this.#to = to;
    for (const event of events) event(to);
  }

  early(bytes: Uint8Array): void {
    this.#tell((o) => o.early?.(bytes));
  }
  command(line: Uint8Array): void {
    this.#tell((o) => o.command?.(line));
  }
  authResponse(line: Uint8Array): void {
    this.#tell((o) => o.authResponse?.(line));
  }
  reply(reply: Reply, text: string, ahead: number): void {
    this.#tell((o) => o.reply?.(reply, text, ahead));
  }
  data(result: DataResult): void {
    this.#tell((o) => o.data?.(result));
  }
  chunk(bytes: Uint8Array): void {
    this.#tell((o) => o.chunk?.(bytes));
  }
  tls(): void {
    this.#tell((o) => o.tls?.());
  }
  close(): void {
    this.#tell((o) => o.close?.());
  }
}

/** Sessions attached before the linter is there, then handed to it. */
export class PendingLint {
  #linter: SessionObservers | null = null;
  #waiting: Recorder[] = [];

  /** Starts linting `conv`: recorded for now, or directly once the linter is there. */
  attach(conv: Conversation): void {
    if (this.#linter) return this.#linter.attach(conv);
    const recorder = new Recorder(conv.info.id);
    this.#waiting.push(recorder);
    conv.observe(recorder);
  }

  /** The linter is there: every recorded session is replayed into it, in attach order. */
  arrived(linter: SessionObservers): void {
    this.#linter = linter;
    for (const r of this.#waiting) r.forward(linter.observer(r.sessionId));
    this.#waiting = [];
  }
}
