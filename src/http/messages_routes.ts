/**
 * The `/api/messages…` API of `smtpmock -httpApi` as `hono` routes, so the persona's one HTTP
 * server answers it beside the Mailpit API (same answers as {@link startHttpApi}).
 */
import { Hono } from "hono";
import { type HttpApiOptions, messagesApiResult, resultBytes } from "./api.ts";

/** The routes, and the signal that ends their pending waits (503) when the server closes. */
export function messagesRoutes<T>(
  o: Pick<HttpApiOptions<T>, "server" | "toJson" | "raw">,
  closing: AbortSignal,
): Hono {
  const app = new Hono();
  const handle = async (req: Request): Promise<Response> => {
    let result;
    try {
      result = await messagesApiResult(o, req.method, new URL(req.url), closing);
    } catch (e) {
      result = { status: 500, body: { error: String(e) } };
    }
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (result.allow) headers.allow = result.allow;
    if (result.body === undefined) return new Response(null, { status: result.status, headers });
    const bytes = resultBytes(result.body);
    headers["content-type"] = result.type ?? "application/json; charset=utf-8";
    headers["content-length"] = String(bytes.length);
    return new Response(bytes as Uint8Array<ArrayBuffer>, { status: result.status, headers });
  };
  app.all("/api/messages", (c) => handle(c.req.raw));
  app.all("/api/messages/*", (c) => handle(c.req.raw));
  return app;
}
