// The web UI in a real browser (Debian's chromium via playwright-core), fed by a real mockmta
// server that nodemailer sends to, once against the stand-in API of tests/helpers/browser.ts
// (SSE) and once against the real Mailpit API of src/http (websocket): mail appears without a
// reload, opens, its HTML renders sandboxed without loading anything remote, its attachment
// downloads byte for byte, search narrows the list, delete and the keyboard work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import nodemailer from "nodemailer";
import { type DeliveryResult, MockmtaServer, type ReceivedMessage } from "../mod.ts";
import { CaptureStore } from "../src/capture/store.ts";
import { startMailpitApi } from "../src/http/mailpit.ts";
import { UI_CSP, uiAsset } from "../src/ui/assets.ts";
import { blockedByCsp, launchBrowser, startUiFixture } from "./helpers/browser.ts";

/** The page's getComputedStyle, for callbacks that run in the browser (no DOM types here). */
type Styled = { getComputedStyle(e: unknown): { color: string } };

/** An HTTP server that only counts what reaches it: the "remote" host of a message's images. */
async function remoteHost() {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(200, { "content-type": "image/png" }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Where the scenario runs: the UI's base URL, the SMTP port that feeds it, how it listens. */
interface Target {
  name: string;
  url: string;
  smtpPort: number;
  live: "websocket" | "sse";
  /** The first message carries lint findings, a transcript and extracted codes. */
  extras: boolean;
}

/** The finding the real-API target attaches to its first message (lint's Finding shape). */
const FINDING = {
  id: "bare-lf",
  severity: "error",
  rfc: "RFC 5321 §2.3.8",
  evidence: "<b>bare</b>\\n",
  advice: "End every line with CRLF.",
  line: 3,
};

/**
 * Mail sent by nodemailer appears without a reload, opens, its HTML renders in the sandbox with
 * nothing remote loaded, its attachment downloads, search narrows, keyboard and delete work.
 */
async function scenario(target: Target) {
  const url = target.url.endsWith("/") ? target.url : `${target.url}/`;
  await using remote = await remoteHost();
  await using browser = await launchBrowser();
  const { page } = browser;
  const shot = (name: string) => browser.screenshot(`${target.name}-${name}`);
  const consoleLines: string[] = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  // Paths the page asked its own host for (what left the browser for the API).
  const requested: string[] = [];
  page.on("request", (r) => {
    if (r.url().startsWith(url)) requested.push(new URL(r.url()).pathname);
  });
  // What reached the UI's own host: Chromium announces an image the frame's policy then refuses
  // as a request too (failing as "csp", reaching no host), so a leak is a request that
  // finished or failed for another reason.
  const reached: string[] = [];
  const reachedIt = (r: { url(): string }) => {
    if (r.url().startsWith(url)) reached.push(new URL(r.url()).pathname);
  };
  page.on("requestfinished", reachedIt);
  page.on("requestfailed", (r) => {
    if (!blockedByCsp(r.failure()?.errorText)) reachedIt(r);
  });
  const sockets: string[] = [];
  page.on("websocket", (ws) => sockets.push(new URL(ws.url()).pathname));
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: target.smtpPort,
    secure: false,
    ignoreTLS: true,
  });

  await page.goto(url);
  await page.locator("#status", { hasText: "Live" }).waitFor();
  if (target.live === "websocket") assert.deepEqual(sockets, ["/api/events"]);
  else assert.ok(requested.includes("/api/v1/events"), JSON.stringify(requested));
  assert.equal(await page.locator("#list li").count(), 0);
  // A marker that a reload would lose: the list must fill without one.
  await page.evaluate(() => Object.assign(globalThis, { uiTestMarker: 42 }));

  const attachment = randomBytes(3000);
  const hostile = `<img src=x onerror="document.title='pwned'"> & <b>Invoice</b>`;
  await transport.sendMail({
    from: '"Alice" <alice@example.com>',
    to: "bob@example.com",
    bcc: "secret@example.com",
    subject: hostile,
    text: "Your code is 123456.",
    html: `<h1 id="greeting" style="color:rgb(1,2,3)">Hello Bob</h1>` +
      `<img id="remote" src="${remote.url}/tracker.png">` +
      `<img id="self" src="${url}probe.png">` +
      `<script>document.body.setAttribute("data-ran", "yes")</script>`,
    attachments: [{
      filename: "data.bin",
      content: attachment,
      contentType: "application/octet-stream",
    }],
  });

  const first = page.locator("#list li").first();
  await first.waitFor();
  assert.equal(
    await page.evaluate(() => (globalThis as { uiTestMarker?: number }).uiTestMarker),
    42,
  );
  // The subject is text, not markup: shown as sent, no element made from it.
  assert.equal(await first.locator(".subject").evaluate((e) => e.firstChild?.textContent), hostile);
  assert.equal(await page.locator("#list img").count(), 0);
  await shot("01-list");

  await first.click();
  await page.locator("#v-subject", { hasText: "<b>Invoice</b>" }).waitFor();
  assert.match(await page.locator("#v-text").textContent() ?? "", /Your code is 123456\./);
  // Envelope and session: the Bcc recipient shows, and where the client connected from.
  await page.locator("#tab-details").click();
  const details = await page.locator("#v-details").textContent() ?? "";
  assert.match(details, /Envelope from<alice@example\.com>/);
  assert.match(details, /Envelope to<bob@example\.com>, <secret@example\.com>/);
  assert.match(details, /Client address127\.0\.0\.1/);
  assert.match(details, /TLSno/);
  if (target.extras) {
    assert.match(details, /Codes123456/);
    // Lint: the tab, its count, the finding as text; the transcript tab.
    assert.equal(await page.locator("#lint-count").textContent(), "1");
    assert.equal(await page.locator("#lint-count").getAttribute("class"), "badge error");
    await page.locator("#tab-lint").click();
    const cells = await page.locator("#v-lint tbody td").allTextContents();
    assert.deepEqual(cells, [
      "error",
      "bare-lf",
      "RFC 5321 §2.3.8",
      "line 3: <b>bare</b>\\n",
      "End every line with CRLF.",
    ]);
    await shot("01b-lint");
    await page.locator("#tab-transcript").click();
    assert.equal(await page.locator("#v-transcript").textContent(), "C: EHLO client\nS: 250 ok");
  } else {
    assert.ok(await page.locator("#tab-lint").isHidden(), "no Lint field, no lint tab");
    assert.ok(await page.locator("#tab-transcript").isHidden());
  }
  await page.locator("#tab-text").click();

  // HTML: rendered in the sandbox, its own CSP in force, nothing remote loaded, no script run.
  await page.locator("#tab-html").click();
  const frame = page.frameLocator("#v-html");
  assert.equal(await frame.locator("#greeting").textContent(), "Hello Bob");
  assert.equal(
    await frame.locator("#greeting").evaluate((e) =>
      (globalThis as unknown as Styled).getComputedStyle(e).color
    ),
    "rgb(1, 2, 3)",
    "inline styles apply",
  );
  const shown = page.frames().find((f) => /\/view\/[^/]+\.html$/.test(f.url()));
  assert.ok(shown, "the HTML comes from the view route");
  await shown.waitForLoadState("load");
  assert.deepEqual(remote.hits, [], "no request left for the remote image");
  assert.ok(!reached.includes("/probe.png"), "not even to the UI's own host");
  // The frame's own policy (not only the page's) refused both images: chromium says so.
  const refusedByFrame = (url: string) =>
    consoleLines.some((l) => l.includes(url) && l.includes("img-src data: cid:"));
  assert.ok(refusedByFrame(`${remote.url}/tracker.png`), JSON.stringify(consoleLines));
  assert.ok(refusedByFrame(`${url}probe.png`), JSON.stringify(consoleLines));
  assert.equal(await frame.locator("body").getAttribute("data-ran"), null, "no script ran");
  assert.equal(
    await page.locator("#v-html").getAttribute("sandbox"),
    "allow-popups allow-popups-to-escape-sandbox",
  );
  assert.notEqual(await page.title(), "pwned");
  await shot("02-html");

  // Attachment: the download's bytes are the ones sent.
  await page.locator("#tab-attachments").click();
  const link = page.locator("#v-attachments a", { hasText: "data.bin" });
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  assert.equal(download.suggestedFilename(), "data.bin");
  const saved = await download.path();
  assert.deepEqual(new Uint8Array(readFileSync(saved)), new Uint8Array(attachment));

  // Headers and raw source, fetched when their tabs open; arrows move between tabs.
  await page.locator("#tab-attachments").focus();
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.evaluate("document.activeElement?.id"), "tab-raw");
  assert.equal(await page.locator("#tab-raw").getAttribute("aria-selected"), "true");
  await page.locator("#tab-headers").click();
  await page.locator("#v-headers dt", { hasText: /^subject$/i }).waitFor();
  await page.locator("#tab-raw").click();
  await page.locator("#v-raw", { hasText: "Content-Type: multipart/mixed" }).waitFor();

  // A second and third message arrive live; search narrows the list on the server.
  await transport.sendMail({
    from: "carol@example.com",
    to: "dan@example.com",
    subject: "Weekly report",
    text: "numbers",
  });
  await transport.sendMail({
    from: "erin@example.com",
    to: "dan@example.com",
    subject: "Lunch",
    text: "pizza",
  });
  await page.locator("#list li").nth(2).waitFor();
  assert.equal(await page.locator("#list li").count(), 3);
  await page.keyboard.press("Escape"); // back to the list
  await page.keyboard.press("/");
  assert.equal(await page.evaluate("document.activeElement?.id"), "search");
  await page.keyboard.type("subject:report");
  await page.keyboard.press("Enter");
  await page.locator("#count", { hasText: "1 of 1 found" }).waitFor();
  assert.equal(await page.locator("#list li").count(), 1);
  assert.equal(await page.locator("#list li .subject").textContent(), "Weekly report");
  assert.ok(requested.includes("/api/v1/search"), "the server searched");
  await shot("03-search");
  await page.locator("#search").fill("");
  await page.keyboard.press("Enter");
  await page.locator("#list li").nth(2).waitFor();

  // Keyboard: j/k and arrows move a visible focus, Enter opens, Delete deletes.
  await page.keyboard.press("ArrowDown"); // from the search box into the list
  const focused = () =>
    page.evaluate('document.activeElement?.querySelector(".subject")?.textContent');
  assert.equal(await focused(), "Weekly report", "the list keeps its place across a search");
  await page.keyboard.press("Home");
  assert.equal(await focused(), "Lunch");
  await page.keyboard.press("j");
  assert.equal(await focused(), "Weekly report");
  assert.notEqual(
    await page.evaluate("getComputedStyle(document.activeElement).outlineStyle"),
    "none",
    "focus is visible",
  );
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await page.keyboard.press("Enter");
  await page.locator("#v-subject", { hasText: "Weekly report" }).waitFor();
  await shot("04-keyboard");
  await page.keyboard.press("Delete");
  await page.locator("#list li", { hasText: "Weekly report" }).waitFor({ state: "detached" });
  assert.equal(await page.locator("#list li").count(), 2);
  assert.ok(await page.locator("#view").isHidden(), "the deleted message's view is closed");
  const after = await (await fetch(`${url}api/v1/messages`)).json() as {
    messages: { Subject: string }[];
  };
  assert.deepEqual(after.messages.map((m) => m.Subject), ["Lunch", hostile]);
  assert.ok(String(await focused()).startsWith(hostile), "focus moves on to the next message");

  // Delete all, confirmed in the dialog.
  page.once("dialog", (d) => d.accept());
  await page.locator("#delete-all").click();
  await page.locator("#empty").waitFor({ state: "visible" });
  const none = await (await fetch(`${url}api/v1/messages`)).json() as {
    messages: unknown[];
  };
  assert.equal(none.messages.length, 0);
  await shot("05-empty");
  transport.close();
}

test("UI against the stand-in API (live updates over SSE: no websocket there)", async () => {
  await using fixture = await startUiFixture();
  await using mta = await MockmtaServer.start({ sink: fixture, keepMessages: false });
  await scenario({
    name: "fixture",
    url: fixture.url,
    smtpPort: mta.port,
    live: "sse",
    extras: false,
  });
});

test("UI: mail announced while the list is loading stays listed", async () => {
  await using fixture = await startUiFixture();
  await using mta = await MockmtaServer.start({ sink: fixture, keepMessages: false });
  await using browser = await launchBrowser();
  const { page } = browser;
  const lists = fixture.holdLists();
  await page.goto(fixture.url);
  await page.locator("#status", { hasText: "Live" }).waitFor(); // the event stream is open
  await lists.asked(2); // on load, and again once the stream opened
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: mta.port,
    ignoreTLS: true,
  });
  await transport.sendMail({
    from: "a@example.com",
    to: "b@example.com",
    subject: "early",
    text: "x",
  });
  transport.close();
  await page.locator("#list li", { hasText: "early" }).waitFor(); // from the event
  assert.equal(await page.locator("#list").getAttribute("aria-busy"), "true");
  lists.release(); // the lists asked for before the mail now answer: empty
  await page.locator('#list[aria-busy="false"]').waitFor({ state: "attached" }); // all answered
  assert.equal(await page.locator("#list li").count(), 1);
  assert.equal(await page.locator("#count").textContent(), "1 message");
});

test("UI against the Mailpit API of src/http over a capture store (websocket)", async () => {
  const store = new CaptureStore();
  await using api = await startMailpitApi({ store, ui: uiAsset });
  // The first message gets a finding and a transcript, as serve's linter and transcripts add.
  const sink = {
    async deliver(m: ReceivedMessage): Promise<DeliveryResult> {
      const first = store.list().length === 0;
      const extras = { lint: [FINDING], transcript: ["C: EHLO client", "S: 250 ok"] };
      await store.add(m, first ? extras : {});
      return { ok: true };
    },
  };
  await using mta = await MockmtaServer.start({ sink, keepMessages: false });
  const page = await fetch(`${api.url}/`);
  assert.equal(page.headers.get("content-security-policy"), UI_CSP);
  await page.body?.cancel();
  await scenario({
    name: "mailpit",
    url: api.url,
    smtpPort: mta.port,
    live: "websocket",
    extras: true,
  });
});
