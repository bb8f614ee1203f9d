/**
 * Mailpit's HTTP API v1 (and mocksmtp's extensions) over a capture store, for every persona:
 * what the npm `mailpit-api` client, playwright-mailpit and cypress-mailpit expect, plus
 * server-side waits, live events and the fields a test asserts on. Routing is `hono`; the
 * runtime's own HTTP server runs it (src/net/http.ts). See docs/http-api.md.
 */
import type { Hono } from "hono";
import { serveHttp } from "../net/http.ts";
import type { CaptureStore } from "../capture/store.ts";
import { mailpitApp } from "./app.ts";

/** One file of the web UI (src/ui/assets.ts `uiAsset`). */
export interface UiAsset {
  body: Uint8Array | string;
  type: string;
  headers?: Record<string, string>;
}

/** Facts about the server for `GET /api/v1/info` and `/api/v1/webui`. */
export interface MailpitInfo {
  /** Reported as `Version` (default mocksmtp's version). */
  version?: string;
  /** Label of this instance (`Label` in `/api/v1/webui`). */
  label?: string;
  /** The throwaway CA's certificate (PEM), served at `GET /api/v1/ca.pem` when given. */
  caPem?: string;
  /** SMTP messages rejected so far (`RuntimeStats.SMTPRejected`). */
  smtpRejected?: () => number;
}

/** What {@link startMailpitApi} serves and where. */
export interface MailpitApiOptions {
  /** The messages served. */
  store: CaptureStore;
  /** Listen address; default `127.0.0.1` (IPv6 without brackets: `::1`). */
  host?: string;
  /** Listen port; 0 (default) picks a free one, see {@link MailpitApi.port}. */
  port?: number;
  /**
   * The fault rules' routes (`faultRoutes(rules)` of src/http/faults_routes.ts), mounted at
   * `/api/v1/faults` and `/api/v1/chaos`. Without it those paths answer 404.
   */
  faults?: Hono;
  /**
   * Further routes answered first, with their full paths (smtpmock's `/api/messages`).
   * Their long waits are theirs to end when the API closes.
   */
  routes?: Hono;
  /** The web UI's files (`uiAsset` of src/ui/assets.ts), served at `/`; none when absent. */
  ui?: (path: string) => UiAsset | null;
  info?: MailpitInfo;
}

/** A running Mailpit-shaped API; `await using` closes it at the end of the scope. */
export interface MailpitApi extends AsyncDisposable {
  /** `http://HOST:PORT` (the base URL a Mailpit client takes). */
  readonly url: string;
  readonly port: number;
  readonly hostname: string;
  /** Stops listening: pending waits are answered 503, event streams and sockets closed. */
  close(): Promise<void>;
}

/**
 * Starts the API. Rejects with a `ListenError` when the address cannot be bound.
 *
 * @example Read captured mail with fetch
 * ```ts
 * import { CaptureStore } from "../capture/store.ts";
 * import { startMailpitApi } from "./mailpit.ts";
 *
 * const store = new CaptureStore();
 * await using api = await startMailpitApi({ store });
 * const res = await fetch(`${api.url}/api/v1/messages`);
 * const list = await res.json();
 * if (list.total !== 0) throw new Error("nothing arrived yet");
 * ```
 */
export async function startMailpitApi(options: MailpitApiOptions): Promise<MailpitApi> {
  const app = mailpitApp(options);
  // Handlers still running (waits), so that close() lets them answer before cutting.
  const running = new Set<Promise<unknown>>();
  const listener = await serveHttp({
    hostname: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    handler: (req, ctx) => {
      const answer = Promise.resolve(app.fetch(req, ctx));
      const settled = answer.catch(() => {}).finally(() => running.delete(settled));
      running.add(settled);
      return answer;
    },
  });
  const host = listener.hostname.includes(":") ? `[${listener.hostname}]` : listener.hostname;
  let closed: Promise<void> | null = null;
  const close = () =>
    closed ??= (async () => {
      app.shutdown(); // pending waits answer 503, streams and sockets end
      await Promise.allSettled([...running]);
      await listener.close();
    })();
  return {
    url: `http://${host}:${listener.port}`,
    port: listener.port,
    hostname: listener.hostname,
    close,
    [Symbol.asyncDispose]: close,
  };
}
