/**
 * Application routes: `/api/v1/info`, `/api/v1/webui`, tags, health checks, the served CA,
 * the OpenAPI document, the web UI, and a clear 501 for the Mailpit endpoints mocksmtp does
 * not implement.
 */
import type { Hono } from "hono";
import process from "node:process";
import { VERSION } from "../version.ts";
import { cleanTag } from "../capture/tags.ts";
import { openApiDocument } from "./openapi.ts";
import { type ApiState, type Ctx, type Env, fail, jsonBody, ok, stringList } from "./state.ts";

function info(state: ApiState) {
  const all = state.store.list();
  const tags: Record<string, number> = {};
  for (const s of all) for (const t of s.tags) tags[t] = (tags[t] ?? 0) + 1;
  return {
    Version: state.options.info?.version ?? VERSION,
    LatestVersion: "",
    Database: "",
    DatabaseSize: 0,
    Messages: all.length,
    Unread: all.filter((s) => !s.read).length,
    Tags: tags,
    RuntimeStats: {
      Memory: process.memoryUsage().rss,
      MessagesDeleted: state.stats.deleted,
      SMTPAccepted: state.stats.accepted,
      SMTPAcceptedSize: state.stats.acceptedSize,
      SMTPRejected: state.options.info?.smtpRejected?.() ?? 0,
      SMTPIgnored: 0,
      Uptime: Math.floor((Date.now() - state.startedAt) / 1000),
    },
  };
}

function webui(state: ApiState) {
  return {
    Label: state.options.info?.label ?? "",
    MessageRelay: {
      Enabled: false,
      SMTPServer: "",
      ReturnPath: "",
      AllowedRecipients: "",
      BlockedRecipients: "",
      OverrideFrom: "",
      PreserveMessageIDs: false,
      RecipientAllowlist: "",
    },
    SpamAssassin: false,
    ChaosEnabled: state.options.faults !== undefined,
    DuplicatesIgnored: false,
    HideDeleteAllButton: false,
  };
}

/** Mailpit endpoints answered 501, with the reason (also listed in docs/http-api.md). */
export const NOT_IMPLEMENTED: readonly { method: string; path: string; why: string }[] = [
  { method: "POST", path: "/api/v1/send", why: "send mail over SMTP to the server instead" },
  {
    method: "POST",
    path: "/api/v1/message/:id/release",
    why: "relaying to another server is out of scope for a test double",
  },
  { method: "GET", path: "/api/v1/message/:id/html-check", why: "no HTML compatibility data" },
  {
    method: "GET",
    path: "/api/v1/message/:id/link-check",
    why: "it would call the network; links are in the message's Links field",
  },
  { method: "GET", path: "/api/v1/message/:id/sa-check", why: "no SpamAssassin" },
  {
    method: "GET",
    path: "/api/v1/message/:id/part/:part/thumb",
    why: "no image library; download the part itself",
  },
];

function setTags(c: Ctx, state: ApiState, body: Record<string, unknown>): Response {
  state.store.setTags(stringList(body.IDs), stringList(body.Tags));
  return ok(c);
}

function uiRoute(c: Ctx, state: ApiState): Response | null {
  const asset = state.options.ui?.(c.req.path);
  if (!asset) return null;
  const headers = { "content-type": asset.type, ...asset.headers };
  return new Response(asset.body as BodyInit, { headers });
}

export function appRoutes(app: Hono<Env>, state: ApiState): void {
  app.get("/livez", (c) => c.text("ok"));
  app.get("/readyz", (c) => c.text("ok"));
  app.get("/api/v1/info", (c) => c.json(info(state)));
  app.get("/api/v1/webui", (c) => c.json(webui(state)));
  app.get("/api/v1/swagger.json", (c) => c.json(openApiDocument()));
  app.get("/api/v1/ca.pem", (c) => {
    const pem = state.options.info?.caPem;
    if (pem === undefined) return fail(c, "Not found: this server has no throwaway CA", 404);
    return c.body(pem, 200, { "content-type": "application/x-pem-file" });
  });
  app.get("/api/v1/tags", (c) => c.json(state.store.tags()));
  app.put("/api/v1/tags", async (c) => setTags(c, state, await jsonBody(c)));
  app.put("/api/v1/tags/:tag", async (c) => {
    const from = c.req.param("tag");
    const body = await jsonBody(c);
    const to = cleanTag(typeof body.Name === "string" ? body.Name : "");
    if (!to) return fail(c, "Invalid tag name");
    state.store.renameTag(from, to);
    return ok(c);
  });
  app.delete("/api/v1/tags/:tag", (c) => {
    const tag = c.req.param("tag").toLowerCase();
    for (const s of state.store.list(`tag:"${tag.replaceAll('"', "")}"`)) {
      state.store.setTags([s.id], s.tags.filter((t) => t.toLowerCase() !== tag));
    }
    return ok(c);
  });
  for (const { method, path, why } of NOT_IMPLEMENTED) {
    app.on(method, path, (c) => fail(c, `Not implemented by mocksmtp: ${why}`, 501));
  }
  app.get("*", (c, next) => uiRoute(c, state) ?? next());
}
