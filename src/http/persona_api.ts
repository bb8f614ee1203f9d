/**
 * The clones' extension flags (`smtpmock -httpApi`, `mockmta --http-api`, `msmtpd
 * --http-api`): a capture store fed by a sink, and the Mailpit-shaped API over it. Imported
 * only when such a flag is given, so a clone's start-up without it loads none of this.
 */
import { CaptureStore } from "../capture/store.ts";
import { CaptureSink } from "../sinks/capture.ts";
import type { HttpApiOptions } from "./api.ts";
import { type MailpitApi, startMailpitApi } from "./mailpit.ts";
import { messagesRoutes } from "./messages_routes.ts";
import { faultRoutes } from "./faults_routes.ts";
import type { FaultRules } from "../faults/rules.ts";
import { uiAsset } from "../ui/assets.ts";

/** The store a clone's messages go to, and the sink that puts them there. */
export function personaCapture(): { store: CaptureStore; sink: CaptureSink } {
  // Mailpit's default cap: a long-running clone must not grow with every message.
  const store = new CaptureStore({ max: 500 });
  return { store, sink: new CaptureSink(store) };
}

/** A clone's HTTP API: `url` is `http://HOST:PORT`. */
export type PersonaHttpApi = MailpitApi;

/** Options of {@link startPersonaHttpApi}. */
export interface PersonaHttpApiOptions<T> {
  host: string;
  port: number;
  store: CaptureStore;
  /** smtpmock's `/api/messages…` over its own records, served beside the Mailpit API. */
  messages?: Pick<HttpApiOptions<T>, "server" | "toJson" | "raw">;
  /** The clone's fault rules (`--fault`), listed and changed at `/api/v1/faults`. */
  faults?: FaultRules;
}

/** Starts the API; rejects with a `ListenError` when the address cannot be bound. */
export async function startPersonaHttpApi<T>(
  options: PersonaHttpApiOptions<T>,
): Promise<PersonaHttpApi> {
  const closing = new AbortController();
  const api = await startMailpitApi({
    host: options.host,
    port: options.port,
    store: options.store,
    ...(options.messages && { routes: messagesRoutes(options.messages, closing.signal) }),
    ...(options.faults && { faults: faultRoutes(options.faults) }),
    ui: uiAsset, // the web UI at `/` (docs/ui.md)
  });
  const close = async () => {
    closing.abort();
    await api.close();
  };
  return { ...api, url: api.url, close, [Symbol.asyncDispose]: close };
}
