/** What every route module of the Mailpit-shaped API shares: the store, options, helpers. */
import type { Context } from "hono";
import type { HttpRequestContext } from "../net/http.ts";
import type { MailpitApiOptions } from "./mailpit.ts";
import type { CaptureStore, StoredMessage } from "../capture/store.ts";
import { type MessageView, parseMessage } from "../mime/view.ts";

/** Hono's environment of this app: the runtime's per-request context as bindings. */
export type Env = { Bindings: HttpRequestContext };
export type Ctx = Context<Env>;

/** Shared by the routes of one running API. */
export interface ApiState {
  readonly store: CaptureStore;
  readonly options: MailpitApiOptions;
  /** Aborted when the API closes: ends waits, event streams and sockets. */
  readonly closing: AbortSignal;
  /** When the API started (ms since the epoch), for `Uptime`. */
  readonly startedAt: number;
  /** Counters for `RuntimeStats`, fed by the store's events. */
  readonly stats: { accepted: number; acceptedSize: number; deleted: number };
}

/** Mailpit answers plain-text "ok" to a change. */
export const ok = (c: Ctx) => c.text("ok", 200, { "content-type": "text/plain; charset=utf-8" });

/** Mailpit's error: status 400 (or the given one), the reason as plain text. */
export const fail = (c: Ctx, message: string, status: 400 | 404 | 408 | 413 | 501 | 503 = 400) =>
  c.text(message, status, { "content-type": "text/plain; charset=utf-8" });

/** Mailpit's 404 for an unknown message or part. */
export const notFound = (c: Ctx) => fail(c, "Not found", 404);

/** The parsed view of a stored message: the store's (cached), or parsed here if it just left. */
export function viewOf(state: ApiState, s: StoredMessage): Promise<MessageView> {
  return state.store.view(s.id) ?? parseMessage(s.message.data);
}

/** A non-negative integer query parameter, `fallback` when absent or not a number (as Mailpit). */
export function intParam(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\d+$/.test(value)) return fallback;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : fallback;
}

/** The largest request body read (JSON of IDs, tags, fault rules). */
export const MAX_BODY = 1024 * 1024;

/** Thrown by {@link jsonBody} for a body over {@link MAX_BODY}. */
export class BodyTooLarge extends Error {}

/** The request body, read up to {@link MAX_BODY} bytes (a chunked one has no length to check). */
async function bodyBytes(req: Request): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    size += r.value.length;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new BodyTooLarge("request body too large");
    }
    chunks.push(r.value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (bytes.set(c, at), at += c.length);
  return bytes;
}

/**
 * The JSON object of a request's body, `{}` when it is empty or not JSON (Mailpit then acts on
 * all). Rejects with {@link BodyTooLarge} past {@link MAX_BODY}.
 */
export async function jsonBody(c: Ctx): Promise<Record<string, unknown>> {
  const bytes = await bodyBytes(c.req.raw);
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes));
    return body && typeof body === "object" && !Array.isArray(body) ? body : {};
  } catch {
    return {};
  }
}

/** A list of strings from a JSON body field, `[]` for anything else. */
export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
