/**
 * What a sign-up test looks for in a message body: its links, its one-time codes, and the
 * short snippet a listing shows. Plain string work on text that is already decoded and
 * already cut to a size limit by the caller, so every function here is linear in its input.
 */

const SNIPPET_CHARS = 200;

/**
 * Up to 200 characters of the body with white space collapsed, `…` as `"..."` when cut: the
 * HTML (tags dropped) when there is one, else the text — Mailpit's `Snippet` rule.
 */
export function makeSnippet(text: string, html: string): string {
  const source = html.trim() ? htmlToText(html) : text;
  const flat = source.replaceAll("\uFEFF", " ").replace(/\s+/g, " ").trim();
  return flat.length <= SNIPPET_CHARS ? flat : flat.slice(0, SNIPPET_CHARS) + "...";
}

/**
 * Readable text of an HTML body: `<style>`/`<script>`/`<head>` dropped, block ends turned
 * into line breaks, tags removed, the common entities decoded. Good enough for search,
 * snippets and code extraction; not a renderer.
 */
export function htmlToText(html: string): string {
  // `[^<>]` rather than `[^>]`: a `<` never closed would otherwise be rescanned to the end
  // from every `<` after it (quadratic on hostile input).
  return decodeEntities(
    dropBlocks(html)
      .replace(/<(?:br|\/p|\/div|\/tr|\/li|\/h[1-6]|\/table)\b[^<>]*>/gi, "\n")
      .replace(/<[^<>]*>/g, " "),
  );
}

const BLOCK_OPEN = /<(style|script|head|title)\b|<!--/gi;

/**
 * Removes `<style>`, `<script>`, `<head>` and `<title>` elements and comments. Each closing
 * is searched once from its opening and the scan resumes after it, so the whole is linear;
 * an element or comment never closed runs to the end, as a browser reads it.
 */
function dropBlocks(html: string): string {
  let out = "";
  let from = 0;
  BLOCK_OPEN.lastIndex = 0;
  for (let m = BLOCK_OPEN.exec(html); m; m = BLOCK_OPEN.exec(html)) {
    out += html.slice(from, m.index) + " ";
    let end: number;
    if (m[1] === undefined) {
      const close = html.indexOf("-->", m.index + 4);
      end = close < 0 ? html.length : close + 3;
    } else {
      const closing = new RegExp(`</${m[1]}\\s*>`, "gi");
      closing.lastIndex = m.index + m[0].length;
      const c = closing.exec(html);
      end = c ? c.index + c[0].length : html.length;
    }
    from = end;
    BLOCK_OPEN.lastIndex = end;
  }
  return out + html.slice(from);
}

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};

/** `&amp;`, `&#39;`, `&#x2F;` and the like, as a browser would read them in an attribute. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (all, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X"
        ? parseInt(name.slice(2), 16)
        : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED[name.toLowerCase()] ?? all;
  });
}

// Characters a URL in running text does not end with: closing punctuation of the sentence.
const TRAILING = ".,;:!?'\")]}>";
const TEXT_URL = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Quoted values are bounded: an unclosed quote must not make every later `href=` scan to the
// end of the document.
const HREF = /\bhref\s*=\s*(?:"([^"]{0,8192})"|'([^']{0,8192})'|([^\s>"']{1,8192}))/gi;

/**
 * The http and https URLs of a message: the `href`s of its HTML in document order, then the
 * URLs written out in its text; each URL once, first occurrence kept. Trailing sentence
 * punctuation is not part of a URL in text, unless it closes a parenthesis the URL opened.
 */
export function extractLinks(html: string, text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (url: string) => {
    if (!/^https?:\/\/[^/\s]/i.test(url) || seen.has(url)) return;
    seen.add(url);
    out.push(url);
  };
  for (const m of html.matchAll(HREF)) add(decodeEntities((m[1] ?? m[2] ?? m[3]).trim()));
  for (const m of text.matchAll(TEXT_URL)) add(trimUrl(m[0]));
  return out;
}

function trimUrl(url: string): string {
  // A loop from the end, not a `[…]+$` regex, which retries from every character of a long
  // punctuation run.
  let end = url.length;
  while (end > 0 && TRAILING.includes(url[end - 1])) end--;
  // "(see https://x.test/a_(b))" keeps the ")" that closes a "(" inside the URL.
  let open = 0;
  for (let i = 0; i < end; i++) {
    if (url[i] === "(") open++;
    else if (url[i] === ")") open--;
  }
  while (open > 0 && url[end] === ")") {
    end++;
    open--;
  }
  return url.slice(0, end);
}

// Words that announce a one-time code, in the languages tests are most often written for.
const CUE =
  /\b(code|codes|otp|pin|passcode|password|verification|verify|one[- ]time|token|2fa|mfa|security|confirm(?:ation)?|login|sign[- ]?in|c[oó]digo|kod|verifizierung|bestätigungscode)\b/i;
// A candidate standing alone (not inside a longer word, number, e-mail address, URL, date or
// time): two digit groups joined by "-" or a space ("123-456"), or 4 to 12 letters/digits.
const TOKEN =
  /(?<![\w@./:$\u20ac\u00a3-])(\d{2,4}[- ]\d{2,4}|[A-Za-z0-9]{4,12})(?![\w@/]|[.:,-]\w)/g;

/**
 * One-time codes in `text` (subject and body), each once: first those near a cue word, then
 * the others, each group in order of appearance (so `codes[0]` is the likeliest).
 *
 * The rule: a code is a token standing alone (not part of a longer word, number, e-mail
 * address, URL, decimal, date or time) that either
 * - is 4 to 8 digits, or two groups of 2 to 4 digits joined by `-` or a space (`123456`,
 *   `123-456`, `123 456`, returned as written); years 1900-2099 only near a cue word; or
 * - is 4 to 12 letters and digits with at least one of each, or 6 to 12 upper-case letters
 *   (`A7K9Q2`, `XKCDQZ`), near a cue word.
 *
 * "Near a cue word" means on the same line as one of: code, OTP, PIN, passcode, password,
 * verification, verify, one-time, token, 2FA, MFA, security, confirm(ation), login, sign in
 * (and código, kod, Bestätigungscode), or on the first non-empty line after such a line.
 */
export function extractCodes(text: string): string[] {
  const seen = new Set<string>();
  const near: string[] = [];
  const far: string[] = [];
  let cuePrev = false;
  for (const line of text.split(/\r?\n/)) {
    const cue = CUE.test(line);
    for (const m of line.matchAll(TOKEN)) {
      const token = m[1];
      const isNear = cue || cuePrev;
      if (seen.has(token) || !isCode(token, isNear)) continue;
      seen.add(token);
      (isNear ? near : far).push(token);
    }
    // A cue on a line of its own ("Your code:") points at the next non-empty line.
    if (line.trim()) cuePrev = cue;
  }
  return [...near, ...far];
}

function isCode(token: string, near: boolean): boolean {
  const bare = token.replace(/[- ]/g, "");
  if (bare.length < 4) return false;
  if (/^\d+$/.test(bare)) {
    if (bare.length > 8) return false;
    return near || !/^(19|20)\d\d$/.test(bare);
  }
  if (!near || token.length !== bare.length || CUE.test(token)) return false;
  return (/\d/.test(bare) && /[A-Za-z]/.test(bare)) || /^[A-Z]{6,12}$/.test(bare);
}
