// Pure parts of the msmtpd dialect: address whitelist, EHLO names, command line and its cap,
// the Received header and date, the reply for each delivery outcome.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { isBun } from "./helpers/cli.ts";
import { parseAddress, sanitizeEhloName } from "../src/smtp/msmtpd/address.ts";
import { CommandLine, expandCommand } from "../src/smtp/msmtpd/command_line.ts";
import { pipedMail, pipedMailParts, rfc2822Date } from "../src/smtp/msmtpd/piped_mail.ts";
import { failureReply } from "../src/smtp/msmtpd/replies.ts";

test("msmtpd core: the address whitelist, byte by byte", () => {
  const allowed = /[A-Za-z0-9.@_+/=-]/;
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    const ok = allowed.test(c);
    assert.equal(parseAddress(`<a${c}b>`, false), ok ? `a${c}b` : null, `byte ${b}`);
    // A leading hyphen would read as an option of the pipe command.
    assert.equal(parseAddress(`<${c}b>`, false), ok && c !== "-" ? `${c}b` : null, `lead ${b}`);
  }
  assert.equal(parseAddress("<>", true), "");
  assert.equal(parseAddress("<>", false), null);
  assert.equal(parseAddress("  <a@b>", false), "a@b");
  assert.equal(parseAddress("\t<a@b>", false), null);
  assert.equal(parseAddress("<a@b> ", false), null);
  assert.equal(parseAddress("<", true), null);
  assert.equal(parseAddress(">", true), null);
});

test("msmtpd core: EHLO names for the Received header", () => {
  const cases: Array<[string, string]> = [
    ["", "unknown"],
    ["client.example", "client.example"],
    ["[127.0.0.1]", "[127.0.0.1]"],
    ["[::1]", "[::1]"],
    ["a-b:c", "a-b:c"],
    ["foo_bar", "invalid"],
    ["a b", "invalid"],
    ["a[b", "invalid"],
    ["]a", "invalid"],
    ["[", "["],
    ["x\0", "invalid"],
  ];
  for (const [name, shown] of cases) assert.equal(sanitizeEhloName(name), shown, name);
});

test("msmtpd core: command line, first %F only, MAILER-DAEMON for <>", () => {
  assert.equal(expandCommand("msmtp -f %F --", "a@b", ["c@d", "e@f"]), "msmtp -f a@b -- c@d e@f");
  assert.equal(expandCommand("rec %F %F", "", ["x"]), "rec MAILER-DAEMON %F x");
  assert.equal(expandCommand("%%F", "s", []), "%s");
  assert.equal(expandCommand("cat", "s", ["a", "a"]), "cat a a");
});

test("msmtpd core: the 64 KiB cap is msmtpd 1.8.33's block arithmetic", () => {
  const addr = (i: number) => String(i).padStart(34, "0") + "@x.org"; // 40 characters
  const line = new CommandLine("true", "a@b.org");
  let accepted = 0;
  while (line.add(addr(accepted + 1))) accepted++;
  assert.equal(accepted, 1598);
  assert.equal(line.text.length, 4 + 41 * 1598);
  assert.equal(line.add("x"), true, "a shorter one may still fit");
  // A huge template starts with more blocks; growth past them is refused at once.
  const big = new CommandLine("x".repeat(70_000), "s");
  assert.equal(big.add("a"), true);
});

const EPOCHS = [0, 951_782_400, 1_700_000_000, 1_795_000_000];

/** rfc2822Date of each epoch, computed by a child runtime started with `TZ=tz`. */
function datesInZone(tz: string): string[] {
  const module = new URL("../src/smtp/msmtpd/piped_mail.ts", import.meta.url).href;
  const code = `const { rfc2822Date } = await import(${JSON.stringify(module)});` +
    `console.log(JSON.stringify(${
      JSON.stringify(EPOCHS)
    }.map((e) => rfc2822Date(new Date(e * 1000)))));`;
  const args = isBun ? ["-e", code] : ["eval", code];
  const out = execFileSync(process.execPath, args, { env: { ...process.env, TZ: tz } });
  return JSON.parse(out.toString());
}

test("msmtpd core: the Received date is strftime %a, %d %b %Y %T %z (C locale, local time)", () => {
  // A child process per zone: changing TZ in this one would leak into tests running beside it.
  // Half-hour offsets on both sides of UTC, and dates in and out of daylight saving time.
  for (const tz of ["UTC", "America/St_Johns", "Asia/Kolkata", "Europe/Berlin"]) {
    const expected = EPOCHS.map((epoch) =>
      execFileSync("date", ["-d", `@${epoch}`, "+%a, %d %b %Y %T %z"], {
        env: { ...process.env, LC_ALL: "C", TZ: tz },
      }).toString().trim()
    );
    assert.deepEqual(datesInZone(tz), expected, tz);
  }
});

test("msmtpd core: what the command receives: CRLF header, LF body", () => {
  const bytes = pipedMail({
    from: "",
    to: ["b"],
    data: new TextEncoder().encode("A: b\r\n\r\nx\ry\r\r\nlf\n"),
    helo: "h",
    remoteAddress: { hostname: "10.0.0.1", port: 1 },
    localAddress: { hostname: "10.0.0.2", port: 25 },
    receivedAt: new Date(0),
  }, { remote: "client.test", local: null });
  assert.equal(
    new TextDecoder().decode(bytes),
    "Received: from h (client.test [10.0.0.1])\r\n\tby [10.0.0.2] (msmtpd) with ESMTP;\r\n" +
      `\t${rfc2822Date(new Date(0))}\r\nA: b\n\nx\ry\r\nlf\n`,
  );
});

test("msmtpd core: the command is fed in 64 KiB parts, CRLF split across parts included", () => {
  const PART = 64 * 1024;
  // A CRLF split by a part boundary, then a lone CR ending a part, then CR CR LF across one.
  const text = "a".repeat(PART - 1) + "\r\n" + "b".repeat(PART - 2) + "\rc" +
    "d".repeat(PART - 3) + "\r\r\n" + "end\r\n";
  const message = {
    from: "a",
    to: ["b"],
    data: new TextEncoder().encode(text),
    helo: "h",
    remoteAddress: { hostname: "", port: 0 },
    localAddress: { hostname: "", port: 0 },
    receivedAt: new Date(0),
  };
  const parts = [...pipedMailParts(message)];
  assert.equal(parts.length, 1 + Math.ceil(text.length / PART), "the header, then the parts");
  const body = parts.slice(1).map((p) => new TextDecoder().decode(p)).join("");
  assert.equal(body, text.replaceAll("\r\n", "\n"));
  assert.ok(Buffer.from(pipedMail(message)).equals(Buffer.concat(parts)));
});

test("msmtpd core: delivery outcome → reply (§8)", () => {
  const fail = { ok: false as const, temporary: false, reason: "Cannot pipe mail to command" };
  assert.equal(failureReply(fail), "554 Cannot pipe mail to command");
  assert.equal(failureReply({ ...fail, temporary: true }), "451 Cannot pipe mail to command");
  assert.equal(failureReply({ ...fail, signaled: true }), "554 Pipe command failed to execute");
  assert.equal(failureReply({ ...fail, exitCode: 69 }), "451 Pipe command reported error 69");
  assert.equal(failureReply({ ...fail, exitCode: 70 }), "554 Pipe command reported error 70");
});
