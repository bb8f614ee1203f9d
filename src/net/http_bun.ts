/** {@link serveHttp} on `Bun.serve`; WebSockets through its `upgrade`. */
import type { HttpListener, HttpServeOptions, HttpSocket, HttpSocketHandlers } from "./http.ts";
import { ListenError } from "./types.ts";

interface BunSocket {
  data: { handlers: HttpSocketHandlers; wrapped?: HttpSocket };
  send(text: string): number;
  close(): void;
}
interface BunServer {
  hostname: string;
  port: number;
  upgrade(req: Request, options: { data: BunSocket["data"] }): boolean;
  requestIP(req: Request): { address: string } | null;
  stop(closeActive: boolean): Promise<void> | void;
}
interface BunApi {
  serve(options: {
    hostname: string;
    port: number;
    fetch(req: Request, server: BunServer): Promise<Response | undefined>;
    error(e: unknown): Response;
    websocket: {
      open(ws: BunSocket): void;
      message(ws: BunSocket, data: string | Uint8Array): void;
      close(ws: BunSocket): void;
    };
  }): BunServer;
}

/** The Response a handler returns for a request Bun has upgraded; Bun wants `undefined`. */
const UPGRADED = new Response(null, { status: 200 });
const decoder = new TextDecoder();

function wrap(ws: BunSocket): HttpSocket {
  return ws.data.wrapped ??= { send: (text) => void ws.send(text), close: () => ws.close() };
}

export function serveHttpBun(options: HttpServeOptions): Promise<HttpListener> {
  const bun = (globalThis as unknown as { Bun: BunApi }).Bun;
  let server: BunServer;
  try {
    server = bun.serve({
      hostname: options.hostname,
      port: options.port,
      error: () => new Response("internal error", { status: 500 }),
      async fetch(req, srv) {
        const res = await options.handler(req, {
          remoteAddress: srv.requestIP(req)?.address ?? "",
          upgrade: (handlers) => srv.upgrade(req, { data: { handlers } }) ? UPGRADED : null,
        });
        return res === UPGRADED ? undefined : res;
      },
      websocket: {
        open: (ws) => ws.data.handlers.open?.(wrap(ws)),
        message: (ws, data) =>
          ws.data.handlers.message?.(
            wrap(ws),
            typeof data === "string" ? data : decoder.decode(data),
          ),
        close: (ws) => ws.data.handlers.close?.(wrap(ws)),
      },
    });
  } catch (e) {
    const code = (e as { code?: string })?.code;
    throw new ListenError(code === "EADDRINUSE" ? "address already in use" : String(e), code);
  }
  return Promise.resolve({
    hostname: server.hostname,
    port: server.port,
    async close() {
      // Graceful, so responses being written (a wait's 503) are finished and idle keep-alive
      // connections closed; a client that never reads its answer is cut after 2 s.
      const force = setTimeout(() => server.stop(true), 2000);
      await server.stop(false);
      clearTimeout(force);
    },
  });
}
