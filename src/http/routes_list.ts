/**
 * Lists, searches, waits and bulk changes: `GET|PUT|DELETE /api/v1/messages` and
 * `GET|DELETE /api/v1/search`. Every one of them also takes `?query=` (isolation: a worker
 * scoped to `tag:run42` never sees, waits on or deletes another worker's mail).
 */
import type { Hono } from "hono";
import { summaryJson } from "./json.ts";
import {
  type ApiState,
  type Ctx,
  type Env,
  fail,
  intParam,
  jsonBody,
  ok,
  stringList,
} from "./state.ts";
import { waitForMatches, waitRequest } from "./wait.ts";

/** Mailpit's `MessagesSummary`: one page of `query`'s matches, newest first. */
export async function listJson(
  state: ApiState,
  query: string | undefined,
  start: number,
  limit: number,
) {
  // A store that parses lazily parses what the query reads, then only the page it shows.
  await state.store.ready(query);
  const page = state.store.search(query, { start, limit });
  await state.store.summarize(page.messages);
  return {
    total: page.total,
    unread: page.unread,
    count: page.count,
    messages_count: page.messagesCount,
    messages_unread: page.messagesUnread,
    start: page.start,
    tags: page.tags,
    messages: page.messages.map(summaryJson),
  };
}

/** Lists `query`'s matches (all without one), after waiting when asked to. */
async function list(c: Ctx, state: ApiState, query: string | undefined): Promise<Response> {
  const start = intParam(c.req.query("start"), 0);
  const limit = intParam(c.req.query("limit"), 50);
  const wait = waitRequest(c);
  if (wait && "error" in wait) return fail(c, wait.error);
  let status: 200 | 408 = 200;
  if (wait) {
    const outcome = await waitForMatches(c, state, query, wait.count, wait.timeout);
    if (outcome instanceof Response) return outcome;
    if (!outcome.matched) status = 408;
  }
  return c.json(await listJson(state, query, start, limit), status);
}

/** Sets read status on `IDs`, or on a search's matches, or on all. */
async function setRead(c: Ctx, state: ApiState): Promise<Response> {
  const body = await jsonBody(c);
  const ids = stringList(body.IDs);
  const search = typeof body.Search === "string" ? body.Search.trim() : "";
  await state.store.ready(search || undefined);
  const targets = ids.length ? ids : state.store.list(search || undefined).map((s) => s.id);
  state.store.setRead(targets, body.Read === true);
  return ok(c);
}

/** Deletes `IDs`, or `?query=`'s matches, or everything. */
async function deleteMessages(c: Ctx, state: ApiState): Promise<Response> {
  const ids = stringList((await jsonBody(c)).IDs);
  const query = queryParam(c);
  if (ids.length) state.store.delete(ids);
  else if (query) await state.store.ready(query).then(() => state.store.delete(query));
  else state.store.clear();
  return ok(c);
}

/** `?query=`, trimmed; undefined when absent or blank. */
export const queryParam = (c: Ctx): string | undefined => c.req.query("query")?.trim() || undefined;

/** Registers the list, search and bulk-change routes. */
export function listRoutes(app: Hono<Env>, state: ApiState): void {
  app.get("/api/v1/messages", (c) => list(c, state, queryParam(c)));
  app.put("/api/v1/messages", (c) => setRead(c, state));
  app.delete("/api/v1/messages", (c) => deleteMessages(c, state));
  app.get("/api/v1/search", (c) => {
    const query = queryParam(c);
    return query ? list(c, state, query) : fail(c, "Error: no search query");
  });
  app.delete("/api/v1/search", async (c) => {
    const query = queryParam(c);
    if (!query) return fail(c, "Error: no search query");
    await state.store.ready(query);
    state.store.delete(query);
    return ok(c);
  });
}
