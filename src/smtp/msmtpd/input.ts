/**
 * msmtpd's two ways of reading (spec msmtpd.md §4, §7), through the shared framing: command
 * lines of at most 1023 bytes including the line end (a longer one ends the session without a
 * reply), and the mail after DATA, in bounded memory apart from the mail itself, which is
 * capped.
 *
 * The end of the mail is stricter than msmtpd's "any line that is just `.`", which lets a mail
 * hide SMTP commands behind a fake ending (SMTP smuggling): `CRLF . CRLF` always ends it, and
 * `LF . LF` only in a session whose command lines all ended in bare LF. Every other `.` line
 * (`\n.\r\n`, `\r\n.\n`, `\n.\n` after CRLF commands) is mail content, dot kept. docs/msmtpd.md
 * "The end of a mail" has the reasoning.
 */
import { Conversation } from "../conversation.ts";
import { type DataEnding, ReservedBody } from "../framing.ts";
import type { SessionContext } from "../session.ts";
import { latin1 } from "../latin1.ts";

/** msmtpd's 1024-byte command buffer holds 1023 bytes and the terminating NUL. */
export const MAX_COMMAND_LINE = 1023;

/** The default cap on a mail (bytes after dot-unstuffing, without the Received header). */
export const DEFAULT_MAX_MAIL_SIZE = 64 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** What {@link MsmtpdInput.mail} read. */
export type MailResult =
  /**
   * The mail up to its final `.`, dot-unstuffed, line ends as sent. `release()` gives its memory
   * back at once (`data` is then empty), for when nobody keeps it: an idle Deno runs no garbage
   * collection for a long time.
   */
  | { kind: "mail"; data: Uint8Array; release(): void }
  /** The input ended (or failed) before the final `.`. */
  | { kind: "cut" }
  /** The mail passed the cap; it was read up to its final `.` and thrown away. */
  | { kind: "tooLarge" };

const CUT: MailResult = { kind: "cut" };
const TOO_LARGE: MailResult = { kind: "tooLarge" };

/**
 * A line starts after any LF; `.` CRLF ends the mail after a CRLF line, `.` LF after a bare-LF
 * line in a bare-LF session only; a `.` line that ends nothing keeps its dot.
 */
const ENDING: Readonly<Record<"crlf" | "bareLf", DataEnding>> = {
  crlf: { lineStart: "any", dotCrlf: true, dotLf: false, sameEnding: true, keepLoneDot: true },
  bareLf: { lineStart: "any", dotCrlf: true, dotLf: true, sameEnding: true, keepLoneDot: true },
};

/** The reading side of one msmtpd session. */
export class MsmtpdInput {
  /** The session's conversation: every read goes through it. */
  readonly conversation: Conversation;
  /** True while every command line of the session ended in a bare LF. */
  #bareLfSession = true;
  /** Whether the last command line ended in CRLF: the line end before the mail's first line. */
  #lastCommandCrlf = false;

  /** The input of a session on `ctx`, over a new conversation. */
  constructor(ctx: SessionContext) {
    this.conversation = new Conversation(ctx, {
      maxLine: MAX_COMMAND_LINE,
      // msmtpd treats a read error like the end of input.
      source: (wire) => () => wire.read().catch(() => null),
    });
  }

  /**
   * The next command without its line end (LF, or CRLF: one CR before the LF is dropped), as
   * one char per byte; `null` for end of input, a read error, an unterminated last line or a
   * line longer than {@link MAX_COMMAND_LINE} (cut off as soon as it is, so a client streaming
   * bytes without a line end holds at most that much). `auth`: the line answers an AUTH
   * challenge (observers see it as such, not as a command).
   */
  async command(auth = false): Promise<string | null> {
    let line: Uint8Array | null;
    try {
      line = await (auth ? this.conversation.readAuthResponse() : this.conversation.readCommand());
    } catch {
      return null; // over the cap without a line end
    }
    if (line === null || line.length > MAX_COMMAND_LINE || line[line.length - 1] !== LF) {
      return null;
    }
    const crlf = line.length >= 2 && line[line.length - 2] === CR;
    this.#lastCommandCrlf = crlf;
    if (crlf) this.#bareLfSession = false;
    return latin1(line.subarray(0, line.length - (crlf ? 2 : 1)));
  }

  /**
   * The mail after `354`, up to its final `.` line (see the module comment for which `.` line
   * that is). Each other line starting with `.` loses that dot, unless it is a `.` line that
   * would have ended the mail for msmtpd; dots inside a line are never touched. Past `maxSize`
   * bytes (at most {@link LARGEST_MAIL}) the rest is read and dropped, so memory stays at the
   * cap whatever the client sends.
   */
  async mail(maxSize = DEFAULT_MAX_MAIL_SIZE): Promise<MailResult> {
    const limit = Math.min(maxSize, LARGEST_MAIL);
    const body = new ReservedBody(limit);
    const result = await this.conversation.readData({
      ending: ENDING[this.#bareLfSession ? "bareLf" : "crlf"],
      body,
      maxSize: limit,
      overflow: "drain",
      afterCrlf: this.#lastCommandCrlf,
    });
    if (result.end === "data") {
      return { kind: "mail", data: result.bytes, release: () => body.clear() };
    }
    // What was read of a cut mail goes at once (a mail over the cap is already gone).
    body.clear();
    return result.end === "too-big" ? TOO_LARGE : CUT;
  }
}

/** The most one mail can hold even without a cap (`0`/`Infinity`): what one array may hold. */
export const LARGEST_MAIL = 2 ** 32;
