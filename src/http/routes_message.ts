/**
 * One message: `GET /api/v1/message/{ID}` (`latest`, with `?query=` and `?wait=1`), its
 * `/headers`, `/raw` and `/part/{PartID}`, and the `/view/{ID}.html|.txt|.raw` renderings.
 * The raw bytes are served from the record itself, never through the parser, so a message
 * that does not parse is still retrievable.
 */
import type { Hono } from "hono";
import { headersJson } from "./headers.ts";
import { messageJson } from "./json.ts";
import type { StoredMessage } from "../capture/store.ts";
import { partById } from "../mime/view.ts";
import { queryParam } from "./routes_list.ts";
import { type ApiState, type Ctx, type Env, fail, notFound, viewOf } from "./state.ts";
import { waitForMatches, waitRequest } from "./wait.ts";

/** The policy of a rendered message: it runs nothing and loads nothing remote. */
const MESSAGE_CSP = "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'";

/**
 * The message `id` names (`latest`: the newest, of `?query=`'s matches when given, waited for
 * with `?wait=1&timeout=MS`), or the Response to answer instead.
 */
export async function resolveMessage(
  c: Ctx,
  state: ApiState,
  id: string,
): Promise<StoredMessage | Response> {
  if (id !== "latest") return state.store.get(id) ?? notFound(c);
  const query = queryParam(c);
  const wait = waitRequest(c);
  if (wait && "error" in wait) return fail(c, wait.error);
  if (wait && wait.count > 0) {
    const outcome = await waitForMatches(c, state, query, 1, wait.timeout);
    if (outcome instanceof Response) return outcome;
    if (!outcome.matched) return fail(c, "no message matched in time", 408);
  }
  await state.store.ready(query);
  return state.store.latest(query) ?? fail(c, "Message not found", 404);
}

const raw = (s: StoredMessage) =>
  new Response(s.message.data as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });

/** `Content-Disposition` with the file name, quoted, and UTF-8 encoded when it needs to be. */
function disposition(kind: string, name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return /^[\x20-\x7e]*$/.test(name) && !/["\\]/.test(name)
    ? `${kind}; filename="${name}"`
    : `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Registers the one-message routes and the `/view/` renderings. */
export function messageRoutes(app: Hono<Env>, state: ApiState): void {
  const withMessage = (
    handle: (c: Ctx, s: StoredMessage) => Response | Promise<Response>,
  ) =>
  async (c: Ctx) => {
    const s = await resolveMessage(c, state, c.req.param("id") ?? "");
    return s instanceof Response ? s : handle(c, s);
  };

  app.get(
    "/api/v1/message/:id",
    withMessage(async (c, s) => {
      state.store.setRead([s.id], true); // Mailpit marks a message read when it is fetched
      return c.json(messageJson(s, await viewOf(state, s)));
    }),
  );
  app.get(
    "/api/v1/message/:id/headers",
    withMessage((c, s) => c.json(headersJson(s.message.data))),
  );
  app.get(
    "/api/v1/message/:id/raw",
    withMessage((c, s) => {
      const res = raw(s);
      if (c.req.query("dl") === "1") {
        res.headers.set("content-disposition", disposition("attachment", `${s.id}.eml`));
      }
      return res;
    }),
  );
  app.get(
    "/api/v1/message/:id/part/:part",
    withMessage(async (c, s) => {
      const view = await viewOf(state, s);
      const part = partById(view, c.req.param("part") ?? "");
      if (!part) return notFound(c);
      return new Response(part.content as Uint8Array<ArrayBuffer>, {
        headers: {
          "content-type": part.contentType || "application/octet-stream",
          "content-disposition": disposition("attachment", part.fileName || part.contentId),
        },
      });
    }),
  );
  app.get("/view/:file", async (c) => {
    const file = c.req.param("file");
    const dot = file.lastIndexOf(".");
    const kind = file.slice(dot + 1);
    if (dot <= 0 || !["html", "txt", "raw"].includes(kind)) return notFound(c);
    const s = await resolveMessage(c, state, file.slice(0, dot));
    if (s instanceof Response) return s;
    if (kind === "raw") return raw(s);
    const view = await viewOf(state, s);
    if (kind === "txt") return c.text(view.text);
    if (!view.html) return notFound(c);
    return c.html(view.html, 200, { "content-security-policy": MESSAGE_CSP });
  });
}
