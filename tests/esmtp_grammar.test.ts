// The serve dialect's path and mailbox grammar (src/smtp/esmtp/command.ts), read by offsets
// and whole-string patterns on the hot path, against its plain definition below (slices,
// upper-casing, splitting at dots), on random arguments made of the characters that matter.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkMailbox, pathArgument } from "../src/smtp/esmtp/command.ts";

const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+$/;
const QUOTED = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\uFFFF]|\\[\x20-\x7e])*"$/;
const LABEL =
  /^[A-Za-z0-9_\u0080-\uFFFF](?:[A-Za-z0-9_\u0080-\uFFFF-]*[A-Za-z0-9_\u0080-\uFFFF])?$/;
const LITERAL = /^\[[\x21-\x5a\x5e-\x7e]+\]$/;

function plainPath(arg: string, prefix: "FROM:" | "TO:") {
  if (arg.slice(0, prefix.length).toUpperCase() !== prefix) return null;
  const rest = arg.slice(prefix.length).replace(/^[ \t]+/, "");
  if (rest[0] !== "<") return null;
  let quoted = false;
  let close = -1;
  for (let i = 1; i < rest.length && close < 0; i++) {
    const c = rest[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ">") close = i;
  }
  if (close < 0) return null;
  const after = rest.slice(close + 1);
  if (after !== "" && after[0] !== " " && after[0] !== "\t") return null;
  let mailbox = rest.slice(1, close);
  const route = /^@[^:]*:/.exec(mailbox);
  if (route) mailbox = mailbox.slice(route[0].length);
  return { mailbox, params: after.trim() };
}

function plainMailbox(mailbox: string, utf8: boolean, bareLocal = false) {
  // deno-lint-ignore no-control-regex
  if (/[\uFFFD\x00-\x1f\x7f]/.test(mailbox)) return "syntax";
  const at = mailbox.lastIndexOf("@");
  if (at < 0) return bareLocal && mailbox.toLowerCase() === "postmaster" ? "ok" : "syntax";
  const local = mailbox.slice(0, at);
  const domain = mailbox.slice(at + 1);
  const localOk = local.length > 0 &&
    (local[0] === '"' ? QUOTED.test(local) : local.split(".").every((a) => ATOM.test(a)));
  const domainOk = domain.length > 0 &&
    (domain[0] === "[" ? LITERAL.test(domain) : domain.split(".").every((l) => LABEL.test(l)));
  if (!localOk || !domainOk) return "syntax";
  // deno-lint-ignore no-control-regex
  if (!utf8 && /[^\x00-\x7f]/.test(mailbox)) return "utf8";
  return "ok";
}

const PIECES = [
  "FROM:",
  "from:",
  "fRoM:",
  "TO:",
  "to:",
  "ſ",
  "ı",
  "<",
  ">",
  '"',
  "\\",
  "@",
  ".",
  "..",
  "-",
  "_",
  ":",
  " ",
  "\t",
  "\u00a0",
  "a",
  "Z",
  "9",
  "é",
  "[1.2.3.4]",
  "\x01",
  "\uFFFD",
  "SIZE=10",
  "postmaster",
];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }).map((a) => a.join(""));
const part = (pieces: string[]) =>
  fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((a) => a.join(""));
/** `local@domain` from the pieces that make or break each side (letters most often). */
const mailbox = fc.tuple(
  part(["a", "a", "a", "Z", "9", ".", "-", "_", "+", "é", '"', "\\", " ", "\x01"]),
  part(["a", "a", "a", "a", "a", "9", ".", "-", "_", "é", "[1.2.3.4]", "[", "]"]),
).map(([local, domain]) => `${local}@${domain}`);

test("esmtp grammar: paths read by offsets as by slices", () => {
  fc.assert(
    fc.property(text, fc.constantFrom<"FROM:" | "TO:">("FROM:", "TO:"), (arg, prefix) => {
      assert.deepEqual(pathArgument(arg, prefix), plainPath(arg, prefix));
      const whole = `${prefix}<${arg}>`;
      assert.deepEqual(pathArgument(whole, prefix), plainPath(whole, prefix));
    }),
    { numRuns: 3000, seed: 0x9a7 },
  );
});

test("esmtp grammar: mailboxes matched whole as atom by atom, label by label", () => {
  fc.assert(
    fc.property(fc.oneof(text, mailbox), fc.boolean(), fc.boolean(), (m, utf8, bare) => {
      assert.equal(checkMailbox(m, utf8, bare), plainMailbox(m, utf8, bare));
    }),
    { numRuns: 3000, seed: 0x9a8 },
  );
  for (const m of ["a.b@c.d", "a..b@c", "a.@c", ".a@c", "a@-c", "a@c-", "a@c..d", "a@[1.2]"]) {
    assert.equal(checkMailbox(m, false), plainMailbox(m, false), m);
  }
});
