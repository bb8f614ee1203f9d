/** {@link serveHttp} on `Deno.serve`; WebSockets through `Deno.upgradeWebSocket`. */
import type { HttpListener, HttpServeOptions, HttpSocket } from "./http.ts";
import { ListenError } from "./types.ts";

interface DenoAddr {
  hostname: string;
  port: number;
}
interface DenoHttpServer {
  addr: DenoAddr;
  shutdown(): Promise<void>;
  finished: Promise<void>;
}
interface DenoWebSocket {
  readyState: number;
  send(text: string): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
}
interface DenoApi {
  serve(
    options: {
      hostname: string;
      port: number;
      onListen(): void;
      onError(e: unknown): Response;
    },
    handler: (req: Request, info: { remoteAddr: DenoAddr }) => Response | Promise<Response>,
  ): DenoHttpServer;
  upgradeWebSocket(req: Request): { socket: DenoWebSocket; response: Response };
}

const OPEN = 1;

export function serveHttpDeno(options: HttpServeOptions): Promise<HttpListener> {
  const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  const sockets = new Set<DenoWebSocket>();
  let server: DenoHttpServer;
  try {
    server = deno.serve(
      {
        hostname: options.hostname,
        port: options.port,
        onListen: () => {}, // Deno would print "Listening on …" otherwise
        onError: () => new Response("internal error", { status: 500 }),
      },
      (req, info) =>
        options.handler(req, {
          remoteAddress: info.remoteAddr.hostname,
          upgrade(handlers) {
            if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return null;
            const { socket, response } = deno.upgradeWebSocket(req);
            const wrapped: HttpSocket = {
              send: (text) => socket.readyState === OPEN && socket.send(text),
              close: () => socket.close(),
            };
            socket.onopen = () => (sockets.add(socket), handlers.open?.(wrapped));
            socket.onmessage = (e) => handlers.message?.(wrapped, String(e.data));
            socket.onclose = () => (sockets.delete(socket), handlers.close?.(wrapped));
            socket.onerror = () => {};
            return response;
          },
        }),
    );
  } catch (e) {
    const name = (e as Error)?.name;
    const code = name === "AddrInUse" ? "EADDRINUSE" : undefined;
    throw new ListenError(code ? "address already in use" : String(e), code);
  }
  return Promise.resolve({
    hostname: server.addr.hostname,
    port: server.addr.port,
    async close() {
      for (const s of sockets) s.close();
      await server.shutdown();
    },
  });
}
