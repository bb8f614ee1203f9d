// The web UI from the CLI (and, in the suite's binary pass, from the compiled binary, whose
// assets are embedded): `smtpmock -httpApi` serves it at `/` with its CSP; a multipart mail
// sent by swaks appears live, its HTML renders in the sandbox and its attachment downloads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { UI_CSP } from "../src/ui/assets.ts";
import { blockedByCsp, launchBrowser } from "./helpers/browser.ts";
import { startSmtpmockCli } from "./helpers/cli.ts";
import { run } from "./helpers/mbox_readers.ts";

const API_LINE = /HTTP API listening on (http:\/\/\S+)\/api\/messages\n/;
const ATTACHMENT = "col1,col2\r\n1,2\r\n";

const MESSAGE = [
  "From: Shop <shop@example.com>",
  "To: buyer@example.com",
  "Subject: Your receipt",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="outer"',
  "",
  "--outer",
  "Content-Type: text/html; charset=utf-8",
  "",
  '<p id="thanks">Thanks for your order</p><img src="http://192.0.2.1/pixel.gif">',
  "--outer",
  'Content-Type: text/csv; name="receipt.csv"',
  'Content-Disposition: attachment; filename="receipt.csv"',
  "Content-Transfer-Encoding: base64",
  "",
  btoa(ATTACHMENT),
  "--outer--",
  "",
].join("\r\n");

test("UI: smtpmock -httpApi serves it; swaks' mail appears, renders and downloads", async () => {
  const cli = await startSmtpmockCli(["-httpApi=127.0.0.1:0"]);
  const dir = mkdtempSync(path.join(os.tmpdir(), "mocksmtp-ui-cli-"));
  try {
    const base = (await cli.waitStdout(API_LINE))[1];
    const page0 = await fetch(`${base}/`);
    assert.equal(page0.status, 200);
    assert.equal(page0.headers.get("content-security-policy"), UI_CSP);
    assert.match(await page0.text(), /<script type="module" src="ui\/app\.js">/);
    assert.equal(
      (await fetch(`${base}/ui/app.js`)).headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );

    await using browser = await launchBrowser();
    const { page } = browser;
    // Requests that got an answer: Chromium announces an image the frame's policy then refuses
    // as a request too (it fails as "csp" and reaches no host), so only the
    // finished ones and the failures for any other reason count as having left the browser.
    const outside: string[] = [];
    const left = (r: { url(): string }) => {
      if (!r.url().startsWith(base) && !r.url().startsWith("about:")) outside.push(r.url());
    };
    page.on("requestfinished", left);
    page.on("requestfailed", (r) => {
      if (!blockedByCsp(r.failure()?.errorText)) left(r);
    });
    await page.goto(`${base}/`);
    await page.locator("#status", { hasText: "Live" }).waitFor();

    const file = path.join(dir, "receipt.eml");
    writeFileSync(file, MESSAGE);
    const sent = await run("swaks", [
      "--server",
      `127.0.0.1:${cli.port}`,
      "--helo",
      "client.example.com",
      "--from",
      "shop@example.com",
      "--to",
      "buyer@example.com",
      "--data",
      `@${file}`,
    ]);
    assert.equal(sent.code, 0, new TextDecoder().decode(sent.stdout) + sent.stderr);

    await page.locator("#list li", { hasText: "Your receipt" }).click();
    await page.locator("#v-subject", { hasText: "Your receipt" }).waitFor();
    await page.locator("#tab-html").click();
    assert.equal(
      await page.frameLocator("#v-html").locator("#thanks").textContent(),
      "Thanks for your order",
    );
    await page.locator("#tab-attachments").click();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator("#v-attachments a", { hasText: "receipt.csv" }).click(),
    ]);
    assert.equal(readFileSync(await download.path(), "latin1"), ATTACHMENT);
    await browser.screenshot("cli-smtpmock");
    assert.deepEqual(outside, [], "nothing left for another host");
  } finally {
    cli.kill("SIGTERM");
    await cli.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
