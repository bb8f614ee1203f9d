/**
 * A real browser for the UI tests: Debian's chromium driven by playwright-core, each launch in a
 * fresh user-data directory removed on close. Also a small stand-in for the Mailpit-shaped API
 * (the UI's assets, Mailpit JSON made from real SMTP deliveries with postal-mime, and an SSE
 * event stream), so the UI can be tested apart from src/http.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { MESSAGE_CSP, uiAsset } from "../../src/ui/assets.ts";
import type { DeliveryResult, ReceivedMessage, Sink } from "../../src/smtp/message.ts";
import { ROOT } from "./cli.ts";

/** Where the UI tests leave their screenshots (not committed). */
export const SCREENSHOTS = path.join(ROOT, ".tmp", "ui");

export const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A launched chromium with one page; disposing closes it and removes its profile. */
export interface Browser extends AsyncDisposable {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot as `.tmp/ui/NAME.png`. */
  screenshot(name: string): Promise<void>;
}

/** Launches chromium headless in a fresh profile (loaded lazily: only UI tests pay for it). */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(path.join(os.tmpdir(), "mocksmtp-ui-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context,
    page,
    async screenshot(name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async [Symbol.asyncDispose]() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One stored message of the fixture, in Mailpit's shapes. */
interface FixtureMessage {
  summary: Record<string, unknown>;
  message: Record<string, unknown>;
  headers: Record<string, string[]>;
  raw: Uint8Array;
  parts: Map<string, { type: string; body: Uint8Array }>;
  haystack: string;
}

/** The stand-in API: a {@link Sink} for a library server and an HTTP server for the browser. */
export interface UiFixture extends Sink, AsyncDisposable {
  url: string;
  /**
   * Until `release()`, list answers are held back, made from the store as it was when they
   * were asked for: a slow list that misses mail announced meanwhile. `asked(n)` resolves once
   * n lists have been asked for since the hold began.
   */
  holdLists(): { release(): void; asked(count: number): Promise<void> };
  close(): Promise<void>;
}

/**
 * Starts the stand-in: `deliver` turns each message into Mailpit JSON and announces it on
 * `/api/v1/events` (SSE; `/api/events` answers 404, as where only SSE is served). Search is a
 * plain substring match of the query's words (a `field:` prefix dropped), enough for a fixture.
 */
export async function startUiFixture(): Promise<UiFixture> {
  const { default: PostalMime } = await import("postal-mime");
  const stored: FixtureMessage[] = [];
  const streams = new Set<ServerResponse>();
  let next = 1;
  let held: Promise<void> | null = null;
  let listsAsked = 0;
  const askWaiters = new Set<() => void>();

  const announce = (event: unknown) => {
    for (const res of streams) res.write(`data: ${JSON.stringify(event)}\n\n`);
  };

  async function deliver(m: ReceivedMessage): Promise<DeliveryResult> {
    const parsed = await PostalMime.parse(m.data);
    const id = `fixture-${next++}`;
    const parts = new Map<string, { type: string; body: Uint8Array }>();
    const attachments = parsed.attachments.map((a, i) => {
      const body = typeof a.content === "string"
        ? new TextEncoder().encode(a.content)
        : new Uint8Array(a.content);
      parts.set(String(i + 2), { type: a.mimeType, body });
      return {
        PartID: String(i + 2),
        FileName: a.filename ?? "",
        ContentType: a.mimeType,
        Size: body.length,
      };
    });
    const who = (a?: { name?: string; address?: string }) => ({
      Name: a?.name ?? "",
      Address: a?.address ?? "",
    });
    const headers: Record<string, string[]> = {};
    for (const h of parsed.headers) (headers[h.originalKey ?? h.key] ??= []).push(h.value);
    const summary = {
      ID: id,
      MessageID: parsed.messageId ?? "",
      Read: false,
      From: who(parsed.from as { name?: string; address?: string }),
      To: (parsed.to ?? []).map(who),
      Subject: parsed.subject ?? "",
      Created: m.receivedAt.toISOString(),
      Size: m.data.length,
      Snippet: (parsed.text ?? "").slice(0, 80),
      Tags: [],
      Attachments: attachments.length,
    };
    stored.unshift({
      summary,
      message: {
        ...summary,
        Date: parsed.date ?? summary.Created,
        Text: parsed.text ?? "",
        HTML: parsed.html ?? "",
        Attachments: attachments,
        Inline: [],
        MailFrom: m.from,
        RcptTo: m.to,
        Session: {
          ClientAddress: m.remoteAddress.hostname,
          ClientPort: m.remoteAddress.port,
          Helo: m.helo,
          TLS: null,
        },
      },
      headers,
      raw: m.data,
      parts,
      haystack: [
        parsed.subject,
        parsed.text,
        JSON.stringify(summary.From),
        JSON.stringify(summary.To),
      ]
        .join(" ").toLowerCase(),
    });
    announce({ Type: "new", Data: summary });
    return { ok: true };
  }

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const list = (items: FixtureMessage[]) => ({
    total: stored.length,
    messages_count: items.length,
    unread: 0,
    start: 0,
    tags: [],
    messages: items.map((s) => s.summary),
  });
  const matching = (query: string) => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean).map((w) =>
      w.replace(/^[a-z-]+:/, "")
    );
    return stored.filter((s) => words.every((w) => s.haystack.includes(w)));
  };
  const remove = (gone: FixtureMessage[]) => {
    for (const s of gone) stored.splice(stored.indexOf(s), 1);
    announce({ Type: "delete", Data: { IDs: gone.map((s) => s.summary.ID) } });
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fixture");
    const asset = req.method === "GET" ? uiAsset(url.pathname) : null;
    if (asset) {
      return res.writeHead(200, { "content-type": asset.type, ...asset.headers }).end(asset.body);
    }
    if (url.pathname === "/api/v1/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(": hello\n\n");
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    if (url.pathname === "/api/v1/messages" && req.method === "GET") {
      const answer = list(stored);
      listsAsked++;
      for (const wake of askWaiters) wake();
      if (held) await held;
      return json(res, 200, answer);
    }
    if (url.pathname === "/api/v1/search" && req.method === "GET") {
      return json(res, 200, list(matching(url.searchParams.get("query") ?? "")));
    }
    if (url.pathname === "/api/v1/search" && req.method === "DELETE") {
      remove(matching(url.searchParams.get("query") ?? ""));
      return json(res, 200, "ok");
    }
    if (url.pathname === "/api/v1/messages" && req.method === "DELETE") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const ids: string[] = (body ? JSON.parse(body).IDs : null) ?? [];
      remove(ids.length ? stored.filter((s) => ids.includes(s.summary.ID as string)) : [...stored]);
      return json(res, 200, "ok");
    }
    const view = url.pathname.match(/^\/view\/([^/]+)\.html$/);
    const viewed = view && stored.find((s) => s.summary.ID === decodeURIComponent(view[1]));
    if (viewed) {
      return res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": MESSAGE_CSP,
      }).end(String(viewed.message.HTML));
    }
    const one = url.pathname.match(
      /^\/api\/v1\/message\/([^/]+)(?:\/(headers|raw)|\/part\/([^/]+))?$/,
    );
    const found = one && stored.find((s) => s.summary.ID === decodeURIComponent(one[1]));
    if (!one || !found) return json(res, 404, { Error: "not found" });
    if (one[2] === "headers") return json(res, 200, found.headers);
    if (one[2] === "raw") {
      return res.writeHead(200, { "content-type": "text/plain" }).end(found.raw);
    }
    if (one[3]) {
      const part = found.parts.get(one[3]);
      if (!part) return json(res, 404, { Error: "no such part" });
      return res.writeHead(200, { "content-type": part.type }).end(part.body);
    }
    found.summary.Read = true;
    return json(res, 200, { ...found.message, Read: true });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => json(res, 500, { Error: String(e) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const res of streams) res.end();
    streams.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}/`,
    deliver,
    holdLists() {
      let open = () => {};
      held = new Promise((resolve) => open = resolve);
      listsAsked = 0;
      return {
        release: () => (held = null, open()),
        asked: (count) =>
          new Promise<void>((resolve) => {
            const wake = () => {
              if (listsAsked < count) return;
              askWaiters.delete(wake);
              resolve();
            };
            askWaiters.add(wake);
            wake();
          }),
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Whether a failed request was refused by a Content-Security-Policy before it left the browser
 * (Chromium reports "csp" for a policy from a header, net::ERR_BLOCKED_BY_CSP otherwise).
 */
export function blockedByCsp(errorText: string | undefined): boolean {
  return errorText === "csp" || (errorText ?? "").includes("ERR_BLOCKED_BY_CSP");
}
