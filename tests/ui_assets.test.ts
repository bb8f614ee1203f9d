// The UI's embedded files: what uiAsset serves, the page's policy, and guards on the script
// (it parses, and it never builds markup from strings).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MESSAGE_CSP, UI_CSP, UI_PATHS, uiAsset } from "../src/ui/assets.ts";
import { APP_JS } from "../src/ui/app_js.ts";
import { readFileSync } from "node:fs";

const ROUTES = new URL("../src/http/routes_message.ts", import.meta.url);

test("uiAsset serves the page with its CSP, and the files the page names", () => {
  const page = uiAsset("/");
  assert.ok(page);
  assert.equal(page.type, "text/html; charset=utf-8");
  assert.equal(page.headers?.["content-security-policy"], UI_CSP);
  assert.equal(uiAsset("/index.html"), page);
  const html = String(page.body);
  for (const [, ref] of html.matchAll(/(?:src|href)="(ui\/[^"]+)"/g)) {
    const asset = uiAsset(`/${ref}`);
    assert.ok(asset, `${ref} is served`);
    assert.equal(asset.headers?.["x-content-type-options"], "nosniff");
  }
  assert.match(html, /src="ui\/app\.js"/);
  assert.match(html, /href="ui\/style\.css"/);
  assert.match(uiAsset("/ui/app.js")!.type, /^text\/javascript/);
  assert.match(uiAsset("/ui/style.css")!.type, /^text\/css/);
  assert.deepEqual([...UI_PATHS].sort(), ["/", "/index.html", "/ui/app.js", "/ui/style.css"]);
});

test("uiAsset answers null for anything else, inherited names included", () => {
  for (
    const p of [
      "",
      "/api/v1/messages",
      "/ui/",
      "/ui/app.js/",
      "/constructor",
      "/__proto__",
      "/toString",
    ]
  ) {
    assert.equal(uiAsset(p), null, p);
  }
});

test("the page's policy loads nothing remote; the message frame's loads nothing at all", () => {
  assert.match(UI_CSP, /^default-src 'none'/);
  for (const directive of UI_CSP.split("; ")) {
    assert.doesNotMatch(directive, /https?:|\*|'unsafe-eval'/, directive);
  }
  assert.match(UI_CSP, /script-src 'self'(;|$)/);
  assert.equal(
    MESSAGE_CSP,
    "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'",
  );
  // The frame loads the view route, whose header carries the policy before anything is parsed.
  assert.match(readFileSync(ROUTES, "utf8"), new RegExp(`MESSAGE_CSP = "${MESSAGE_CSP}"`));
  assert.ok(APP_JS.includes('"view/"'), "the frame loads a view URL");
  assert.doesNotMatch(APP_JS, /\.srcdoc\s*=/, "never the message's markup inline");
});

test("the script parses and inserts no markup from strings", () => {
  assert.doesNotThrow(() => new Function(APP_JS));
  assert.doesNotMatch(APP_JS, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  assert.doesNotMatch(APP_JS, /https?:\/\//, "nothing remote");
});
