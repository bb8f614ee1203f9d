/**
 * The web UI's files, embedded as strings so the single binary and `deno run` serve them with no
 * file system and nothing remote. The HTTP API (src/http/mailpit.ts) mounts {@link uiAsset} at `/`.
 */
import { APP_JS } from "./app_js.ts";
import { INDEX_HTML } from "./index_html.ts";
import { STYLE_CSS } from "./style_css.ts";

/** One UI file: its bytes, its Content-Type, and headers the page needs (its CSP). */
export interface UiAsset {
  body: Uint8Array | string;
  type: string;
  /** Extra response headers; the page carries its Content-Security-Policy here. */
  headers?: Record<string, string>;
}

/**
 * The page's own policy: its script and style from this server only, API calls and the event
 * stream to this server only, frames only from it (a message's HTML from the view route, with
 * its own policy, {@link MESSAGE_CSP}), nothing remote.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The policy of the frame that shows a message's HTML, as the HTTP API's view route
 * (`/view/{ID}.html`) sends it in its header: a sandbox that runs nothing and loads nothing
 * remote.
 */
export const MESSAGE_CSP =
  "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'";

const PAGE_HEADERS = {
  "content-security-policy": UI_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};
const ASSET_HEADERS = { "x-content-type-options": "nosniff", "cache-control": "no-cache" };

const FILES: Record<string, UiAsset> = {
  "/": { body: INDEX_HTML, type: "text/html; charset=utf-8", headers: PAGE_HEADERS },
  "/ui/app.js": { body: APP_JS, type: "text/javascript; charset=utf-8", headers: ASSET_HEADERS },
  "/ui/style.css": { body: STYLE_CSS, type: "text/css; charset=utf-8", headers: ASSET_HEADERS },
};
FILES["/index.html"] = FILES["/"];

/**
 * The UI file at `path` (`/`, `/index.html`, `/ui/app.js`, `/ui/style.css`), or null when the
 * path is not one of the UI's. Serve `headers` with it: the page's CSP is among them.
 *
 * @example Serving the page
 * ```ts
 * import { uiAsset } from "./assets.ts";
 * const page = uiAsset("/")!;
 * console.assert(page.type.startsWith("text/html"));
 * ```
 */
export function uiAsset(path: string): UiAsset | null {
  return Object.hasOwn(FILES, path) ? FILES[path] : null;
}

/** Every path {@link uiAsset} answers, for a router that registers routes one by one. */
export const UI_PATHS: readonly string[] = Object.keys(FILES);
