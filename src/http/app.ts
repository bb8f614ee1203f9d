/** The Hono application of the Mailpit-shaped API: its routes, assembled. */
import { Hono } from "hono";
import type { HttpRequestContext } from "../net/http.ts";
import type { MailpitApiOptions } from "./mailpit.ts";
import { appRoutes } from "./routes_app.ts";
import { eventRoutes } from "./routes_events.ts";
import { listRoutes } from "./routes_list.ts";
import { messageRoutes } from "./routes_message.ts";
import { type ApiState, BodyTooLarge, type Env, fail, MAX_BODY } from "./state.ts";

/** The app and what ends its long-lived responses. */
export interface MailpitApp {
  fetch(req: Request, ctx: HttpRequestContext): Response | Promise<Response>;
  /** Every route as registered (method, path), for the OpenAPI check. */
  routes: readonly { method: string; path: string }[];
  /** Answers pending waits 503 and ends event streams and sockets. */
  shutdown(): void;
}

/** Builds the routes over `options.store`. */
export function mailpitApp(options: MailpitApiOptions): MailpitApp {
  const app = new Hono<Env>();
  const closing = new AbortController();
  const stats = { accepted: 0, acceptedSize: 0, deleted: 0 };
  const state: ApiState = {
    store: options.store,
    options,
    closing: closing.signal,
    startedAt: Date.now(),
    stats,
  };
  const unsubscribe = options.store.subscribe((e) => {
    if (e.type === "new") (stats.accepted++, stats.acceptedSize += e.message.size);
    else if (e.type === "delete" && e.reason === "deleted") stats.deleted += e.ids.length;
  });
  // Request bodies are a few IDs or tags: a client cannot make the server hold more; a body
  // without a length is cut by jsonBody. (hono's bodyLimit copies the request, which on Deno
  // touches request.signal and prints a warning about its legacy abort.)
  app.use("*", (c, next) => {
    const length = Number(c.req.header("content-length") ?? 0);
    return length > MAX_BODY ? Promise.resolve(fail(c, "request body too large", 413)) : next();
  });
  if (options.routes) app.route("/", options.routes);
  if (options.faults) app.route("/", options.faults);
  listRoutes(app, state);
  messageRoutes(app, state);
  eventRoutes(app, state);
  appRoutes(app, state);
  app.notFound((c) => fail(c, "Not found", 404));
  app.onError((e, c) =>
    e instanceof BodyTooLarge ? fail(c, e.message, 413) : c.text(`internal error: ${e}`, 500)
  );
  return {
    fetch: (req, ctx) => app.fetch(req, ctx),
    routes: app.routes.map(({ method, path }) => ({ method, path })),
    shutdown() {
      unsubscribe();
      closing.abort();
    },
  };
}
