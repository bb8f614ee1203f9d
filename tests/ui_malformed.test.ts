// Malformed MIME never breaks the UI: messages with bad base64, a missing boundary, raw 8-bit
// junk and a huge header, sent by Python's smtplib to a mockmta feeding the real Mailpit API,
// are all listed, each opens, and each one's raw source is shown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MockmtaServer } from "../mod.ts";
import { CaptureStore } from "../src/capture/store.ts";
import { startMailpitApi } from "../src/http/mailpit.ts";
import { CaptureSink } from "../src/sinks/capture.ts";
import { uiAsset } from "../src/ui/assets.ts";
import { launchBrowser } from "./helpers/browser.ts";
import { run } from "./helpers/mbox_readers.ts";

const SEND_FILES = `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
for name in sys.argv[2:]:
    with open(name, "rb") as f:
        s.sendmail("junk@example.com", ["ui@example.com"], f.read())
s.quit()
`;

const enc = (s: string) => new TextEncoder().encode(s.replaceAll("\n", "\r\n"));
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
};

/** Marker (a word in the raw source) and bytes of each broken message. */
const MESSAGES: [string, Uint8Array][] = [
  [
    "MARKER-BASE64",
    enc(
      'Subject: bad base64\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n' +
        "--b1\nContent-Type: text/plain\n\nMARKER-BASE64 text\n--b1\n" +
        'Content-Type: application/pdf; name="x.pdf"\nContent-Transfer-Encoding: base64\n' +
        'Content-Disposition: attachment; filename="x.pdf"\n\n!!!not*base64@@@\n=\n--b1--\n',
    ),
  ],
  [
    "MARKER-NOBOUNDARY",
    enc(
      'Subject: no boundary\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="never"\n\n' +
        "MARKER-NOBOUNDARY: the parts that should be here never start.\n",
    ),
  ],
  [
    "MARKER-8BIT",
    cat(
      enc("Subject: junk "),
      new Uint8Array([0xff, 0xfe, 0x80, 0xc3, 0x28]),
      enc("\nFrom: \xe9\n\nMARKER-8BIT "),
      new Uint8Array([0x00, 0x01, 0x9b, 0xf0, 0x28, 0x8c, 0x28]),
      enc("\n"),
    ),
  ],
  [
    "MARKER-HUGE",
    enc(
      "Subject: huge header\nX-Huge: start\n" +
        " folded line of a very long header value\n".repeat(3000) +
        "\nMARKER-HUGE body\n",
    ),
  ],
];

test("UI: malformed messages are listed, open, and show their raw source", async () => {
  const store = new CaptureStore();
  await using api = await startMailpitApi({ store, ui: uiAsset });
  await using mta = await MockmtaServer.start({
    sink: new CaptureSink(store),
    keepMessages: false,
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), "mocksmtp-ui-junk-"));
  try {
    const files = MESSAGES.map(([marker, bytes]) => {
      const file = path.join(dir, `${marker}.eml`);
      writeFileSync(file, bytes);
      return file;
    });
    const sent = await run("python3", ["-c", SEND_FILES, String(mta.port), ...files]);
    assert.equal(sent.code, 0, sent.stderr);

    await using browser = await launchBrowser();
    const { page } = browser;
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${api.url}/`);
    await page.locator("#list li").nth(MESSAGES.length - 1).waitFor();
    assert.equal(await page.locator("#list li").count(), MESSAGES.length);

    const seen: string[] = [];
    for (let i = 0; i < MESSAGES.length; i++) {
      const item = page.locator("#list li").nth(i);
      const id = await item.getAttribute("data-id");
      await item.click();
      await page.locator(`#list li[aria-selected=true][data-id="${id}"]`).waitFor();
      await page.locator("#tab-raw").click();
      const raw = page.locator("#v-raw");
      await raw.filter({ hasText: /MARKER-/ }).waitFor();
      const marker = (await raw.textContent())!.match(/MARKER-[A-Z0-9]+/)![0];
      seen.push(marker);
      await browser.screenshot(`malformed-${marker}`);
      await page.locator("#tab-text").click();
    }
    assert.deepEqual(seen.sort(), MESSAGES.map(([m]) => m).sort());
    assert.doesNotMatch(await page.locator("#status").textContent() ?? "", /Error/);
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
