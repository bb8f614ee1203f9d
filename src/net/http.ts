/**
 * HTTP serving behind one contract, whatever the runtime: a fetch-style handler (what `hono`'s
 * `app.fetch` is) plus WebSocket upgrades. The runtime's own server is used (`Deno.serve`,
 * `Bun.serve`): both speak HTTP/1.1 keep-alive and WebSockets without a dependency, and both
 * survive `deno compile` / `bun build --compile`. Picked here, in one place.
 */
import { runtimeName } from "./runtime.ts";

/** One open WebSocket, as the handler sees it. */
export interface HttpSocket {
  /** Sends one text frame; ignored once the socket is closing. */
  send(text: string): void;
  /** Starts the closing handshake. */
  close(): void;
}

/** What happens on an upgraded connection. */
export interface HttpSocketHandlers {
  open?(socket: HttpSocket): void;
  message?(socket: HttpSocket, text: string): void;
  close?(socket: HttpSocket): void;
}

/** Per-request facts and abilities the runtime gives a handler. */
export interface HttpRequestContext {
  /** The client's IP address. */
  remoteAddress: string;
  /**
   * Accepts a WebSocket upgrade of this request: return the Response it gives, unchanged.
   * `null` when the request is not a valid upgrade request.
   */
  upgrade(handlers: HttpSocketHandlers): Response | null;
}

/** A fetch-style handler (`hono`'s `app.fetch(req, ctx)` fits). */
export type HttpHandler = (req: Request, ctx: HttpRequestContext) => Response | Promise<Response>;

/** What {@link serveHttp} listens on and serves. */
export interface HttpServeOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  handler: HttpHandler;
}

/** A listening HTTP server. */
export interface HttpListener {
  readonly hostname: string;
  readonly port: number;
  /** Stops listening and closes every connection (open streams should be ended first). */
  close(): Promise<void>;
}

/** Starts an HTTP server; rejects with a `ListenError` when the address cannot be bound. */
export async function serveHttp(options: HttpServeOptions): Promise<HttpListener> {
  if (runtimeName() === "bun") return (await import("./http_bun.ts")).serveHttpBun(options);
  if (runtimeName() === "deno") return (await import("./http_deno.ts")).serveHttpDeno(options);
  throw new Error("the HTTP API runs on Deno and Bun only");
}
