/**
 * Live events. `GET /api/events` is Mailpit's websocket: `{"Type":"new","Data":summary}` per
 * arrival, `delete` / `truncate` on removals and `stats` after each change. `GET
 * /api/v1/events?query=Q` is mocksmtp's Server-Sent Events stream of arrivals matching Q
 * (`event: new`, `data: summary`), for clients without websockets (curl, EventSource).
 */
import type { Hono } from "hono";
import { summaryJson } from "./json.ts";
import type { ApiState, Ctx, Env } from "./state.ts";
import type { StoreEvent } from "../capture/store.ts";
import { toQuery } from "../capture/query.ts";
import { VERSION } from "../version.ts";

const encoder = new TextEncoder();

/** Mailpit's `stats` event data. */
function stats(state: ApiState) {
  const all = state.store.list();
  return { Total: all.length, Unread: all.filter((s) => !s.read).length, Version: VERSION };
}

/** The websocket frames one store event becomes (Mailpit's event JSON). */
function mailpitEvents(state: ApiState, e: StoreEvent): unknown[] {
  const events: unknown[] = [];
  if (e.type === "new") events.push({ Type: "new", Data: summaryJson(e.message) });
  else if (e.type === "update") {
    events.push({ Type: "update", Data: { ID: e.message.id, Read: e.message.read } });
  } else if (e.type === "delete") {
    for (const id of e.ids) events.push({ Type: "delete", Data: { ID: id } });
  } else events.push({ Type: "truncate", Data: null });
  events.push({ Type: "stats", Data: stats(state) });
  return events;
}

function websocket(c: Ctx, state: ApiState): Response {
  let end = () => {};
  const res = c.env.upgrade({
    open(socket) {
      const unsubscribe = state.store.subscribe((e) => {
        for (const frame of mailpitEvents(state, e)) socket.send(JSON.stringify(frame));
      }, { parsed: true });
      const close = () => socket.close();
      state.closing.addEventListener("abort", close, { once: true });
      end = () => (unsubscribe(), state.closing.removeEventListener("abort", close));
    },
    close: () => end(),
  });
  return res ?? c.text("Expected a websocket upgrade", 400);
}

function serverSentEvents(c: Ctx, state: ApiState): Response {
  const query = toQuery(c.req.query("query")?.trim() || undefined);
  let end = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          end(); // the client went away
        }
      };
      const unsubscribe = state.store.subscribe((e) => {
        if (e.type !== "new" || !query.matches(e.message)) return;
        const data = JSON.stringify(summaryJson(e.message));
        write(`id: ${e.message.seq}\nevent: new\ndata: ${data}\n\n`);
      }, { parsed: true });
      end = () => {
        unsubscribe();
        state.closing.removeEventListener("abort", end);
        try {
          controller.close();
        } catch { /* already closed */ }
      };
      state.closing.addEventListener("abort", end, { once: true });
      // A comment first, so the client sees the stream open before any mail arrives.
      write(": mocksmtp events\n\n");
    },
    cancel: () => end(),
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}

/** Registers the events websocket and the Server-Sent Events stream. */
export function eventRoutes(app: Hono<Env>, state: ApiState): void {
  app.get("/api/events", (c) => websocket(c, state));
  app.get("/api/v1/events", (c) => serverSentEvents(c, state));
}
