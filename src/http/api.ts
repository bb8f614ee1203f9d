/**
 * The captured messages over HTTP/JSON, so a test in any language can read them (what MailHog
 * and smtp4dev users expect). `node:http` only: it runs unchanged on Deno and Bun.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { CapturingServer } from "../api/capturing_server.ts";
import { errnoCode } from "../net/errno.ts";
import { ListenError } from "../net/types.ts";
import { WaitTimeoutError } from "../sinks/memory.ts";

/** What {@link startHttpApi} serves and where. */
export interface HttpApiOptions<T> {
  /** Listen address; default `127.0.0.1` (IPv6 without brackets: `::1`). */
  host?: string;
  /** Listen port; 0 (default) picks a free one, see {@link HttpApi.port}. */
  port?: number;
  /** The server whose messages are served (any of the library's servers). */
  server: Pick<CapturingServer<T>, "messages" | "waitForMessages" | "purge">;
  /** One message as JSON; `index` is its position in the list (0 = oldest since a purge). */
  toJson(item: T, index: number): unknown;
  /** One message's bytes, served as `message/rfc822`. */
  raw(item: T): Uint8Array;
}

/** A running HTTP API; `await using` closes it at the end of the scope. */
export interface HttpApi extends AsyncDisposable {
  /** The port listened on (the one picked when `port` was 0). */
  readonly port: number;
  /** The address listened on. */
  readonly hostname: string;
  /** `http://HOST:PORT/api/messages`. */
  readonly url: string;
  /** Stops listening; answers pending waits 503 and drops idle connections. */
  close(): Promise<void>;
}

const ROUTE = /^\/api\/messages(?:\/(\d+)(\/raw)?)?$/;
const DIGITS = /^\d+$/;
const MAX_TIMEOUT = 2 ** 31 - 1; // setTimeout's limit
const JSON_TYPE = "application/json; charset=utf-8";
const encoder = new TextEncoder();

/**
 * Serves a server's captured messages:
 *
 * - `GET /api/messages`: every message, a JSON array in arrival order.
 * - `GET /api/messages?wait=N&timeout=MS`: first waits (on the arrival itself) until at least N
 *   messages exist, for at most MS milliseconds (default 5000); on timeout answers 408 with
 *   what did arrive. A bad `wait` or `timeout` is 400.
 * - `GET /api/messages/I`: message I (0-based), `GET /api/messages/I/raw`: its bytes.
 * - `DELETE /api/messages`: forgets every message, 204.
 *
 * Anything else is 404 (unknown path or index) or 405, with a JSON `{ "error": … }`. Rejects
 * with a `ListenError` when the address cannot be bound.
 *
 * @example Read received mail with fetch (any HTTP client in any language works the same)
 * ```ts
 * import { SmtpmockServer, startHttpApi } from "../../mod.ts";
 * import { connect } from "node:net";
 *
 * await using server = await SmtpmockServer.start();
 * await using api = await startHttpApi({
 *   server,
 *   toJson: (m, index) => ({ index, from: m.from, to: m.to, body: m.msgRequest }),
 *   raw: (m) => m.raw,
 * });
 * const socket = connect(server.port, server.hostname);
 * socket.write(
 *   "EHLO example.com\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n" +
 *     "DATA\r\nSubject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n",
 * );
 * const res = await fetch(`${api.url}?wait=1&timeout=5000`);
 * const [message] = await res.json();
 * socket.destroy();
 * if (message.from !== "a@example.com") throw new Error("unexpected sender");
 * if (!message.body.includes("hello")) throw new Error("unexpected body");
 * ```
 */
export async function startHttpApi<T>(options: HttpApiOptions<T>): Promise<HttpApi> {
  const waits = new Set<AbortController>();
  const running = new Set<Promise<void>>();
  const http = createServer((req, res) => {
    const done = handle(options, waits, req, res).catch((e) => {
      // A bug or a throwing toJson: answer, never take the process down.
      if (!res.headersSent) send(req, res, 500, { error: String(e) });
      else res.destroy();
    }).finally(() => running.delete(done));
    running.add(done);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    const code = errnoCode(e);
    const reason = code === "EADDRINUSE" ? "address already in use" : String(e);
    throw new ListenError(reason, code);
  }
  http.on("error", () => {}); // after listening, nothing left that may stop the process
  const { address, port } = http.address() as { address: string; port: number };
  const host = address.includes(":") ? `[${address}]` : address;
  let closed: Promise<void> | null = null;
  const close = async () => {
    const stopped = new Promise<void>((r) => http.close(() => r()));
    for (const w of waits) w.abort();
    await Promise.allSettled([...running]);
    http.closeAllConnections();
    await stopped;
  };
  return {
    port,
    hostname: address,
    url: `http://${host}:${port}/api/messages`,
    close: () => closed ??= close(),
    [Symbol.asyncDispose]: () => closed ??= close(),
  };
}

/** What the API answers to one request, before it is written by either server. */
export interface MessagesApiResult {
  status: number;
  /** JSON value, exact bytes, or nothing (204, HEAD). */
  body?: unknown;
  type?: string;
  /** The `Allow` header of a 405. */
  allow?: string;
}

/**
 * The `/api/messages…` API's answer to `method url`; `signal` ends a wait (503). Shared by
 * {@link startHttpApi} and the persona CLI's one HTTP server (src/http/messages_routes.ts).
 * Throws what `toJson` throws.
 */
export async function messagesApiResult<T>(
  o: Pick<HttpApiOptions<T>, "server" | "toJson" | "raw">,
  method: string,
  url: URL,
  signal: AbortSignal,
): Promise<MessagesApiResult> {
  const json = (items: T[]) => items.map((m, i) => o.toJson(m, i));
  const route = url.pathname.match(ROUTE);
  if (!route) return { status: 404, body: { error: `no such resource: ${url.pathname}` } };
  const [, index, raw] = route;
  const verb = method === "HEAD" ? "GET" : method;
  const allow = index === undefined ? "GET, HEAD, DELETE" : "GET, HEAD";
  if (verb === "DELETE" && index === undefined) {
    o.server.purge();
    return { status: 204 };
  }
  if (verb !== "GET") {
    return {
      status: 405,
      allow,
      body: { error: `method ${method} not allowed; allowed: ${allow}` },
    };
  }
  if (index !== undefined) {
    const i = Number(index);
    const item = o.server.messages()[i];
    if (item === undefined) return { status: 404, body: { error: `no message ${index}` } };
    return raw
      ? { status: 200, body: o.raw(item), type: "message/rfc822" }
      : { status: 200, body: o.toJson(item, i) };
  }
  const wait = url.searchParams.get("wait");
  if (wait === null) return { status: 200, body: json(o.server.messages()) };
  const timeout = url.searchParams.get("timeout") ?? "5000";
  if (!DIGITS.test(wait) || !Number.isSafeInteger(Number(wait))) {
    return { status: 400, body: { error: "wait must be a number of messages (0 or more)" } };
  }
  if (!DIGITS.test(timeout) || Number(timeout) > MAX_TIMEOUT) {
    return {
      status: 400,
      body: { error: `timeout must be milliseconds from 0 to ${MAX_TIMEOUT}` },
    };
  }
  try {
    const items = await o.server.waitForMessages(Number(wait), {
      timeout: Number(timeout),
      signal,
    });
    return { status: 200, body: json(items) };
  } catch (e) {
    if (e instanceof WaitTimeoutError) return { status: 408, body: json(e.received as T[]) };
    if (signal.aborted) return { status: 503, body: { error: "the HTTP API is closing" } };
    throw e;
  }
}

/** A response's bytes: JSON for values (indented, newline-terminated), bytes as they are. */
export function resultBytes(body: unknown): Uint8Array {
  return body instanceof Uint8Array ? body : encoder.encode(JSON.stringify(body, null, 2) + "\n");
}

async function handle<T>(
  o: HttpApiOptions<T>,
  waits: Set<AbortController>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", "http://localhost");
  } catch {
    return send(req, res, 400, { error: "bad request target" });
  }
  // Ends a wait when the client hangs up or the API closes.
  const abort = new AbortController();
  const onClose = () => abort.abort();
  res.on("close", onClose);
  waits.add(abort);
  try {
    const result = await messagesApiResult(o, req.method ?? "GET", url, abort.signal);
    if (result.allow) res.setHeader("allow", result.allow);
    send(req, res, result.status, result.body, result.type);
  } finally {
    waits.delete(abort);
    res.off("close", onClose);
  }
}

/** Writes a whole response: JSON for values, bytes as they are, nothing for 204 and HEAD. */
function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body?: unknown,
  type = JSON_TYPE,
): void {
  if (res.destroyed || res.writableEnded) return;
  if (body === undefined) return void res.writeHead(status).end();
  const bytes = resultBytes(body);
  res.writeHead(status, {
    "content-type": type,
    "content-length": bytes.length,
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : bytes);
}
