/**
 * The pipe command line (spec msmtpd.md §6): the `--command` template with its first `%F`
 * replaced by the envelope sender, then ` ` + each recipient in order. Its size is capped the
 * way msmtpd 1.8.33 allocates it (4096-byte blocks, at most 16), so the same recipient that
 * msmtpd refuses with `554 Too many recipients` is refused here.
 */
import { NULL_SENDER } from "./address.ts";

const BLOCK = 4096;
const MAX_BLOCKS = 16;
/** msmtpd's SMTP_BUFSIZE, part of its first allocation. */
const SMTP_BUFSIZE = 1024;

const encoder = new TextEncoder();

/** The template with the first `%F` (only) replaced by `sender` (`""` → `MAILER-DAEMON`). */
export function substituteSender(template: string, sender: string): string {
  const at = template.indexOf("%F");
  if (at < 0) return template;
  return template.slice(0, at) + (sender || NULL_SENDER) + template.slice(at + 2);
}

/** The full command line for an envelope, as the shell receives it. */
export function expandCommand(template: string, sender: string, recipients: string[]): string {
  return [substituteSender(template, sender), ...recipients].join(" ");
}

/** One transaction's command line, grown recipient by recipient within msmtpd's cap. */
export class CommandLine {
  #text: string;
  #bytes: number;
  #blocks: number;

  constructor(template: string, sender: string) {
    const senderBytes = (sender || NULL_SENDER).length; // addresses are ASCII
    this.#blocks = 1;
    while (
      this.#blocks * BLOCK < encoder.encode(template).length + senderBytes + 2 * SMTP_BUFSIZE
    ) {
      this.#blocks++;
    }
    this.#text = substituteSender(template, sender);
    this.#bytes = encoder.encode(this.#text).length;
  }

  /** Appends ` recipient`; false (and nothing appended) when that would pass the cap. */
  add(recipient: string): boolean {
    if (this.#bytes + 1 + recipient.length + 1 >= this.#blocks * BLOCK) {
      if (this.#blocks + 1 > MAX_BLOCKS) return false;
      this.#blocks++;
    }
    this.#text += " " + recipient;
    this.#bytes += 1 + recipient.length;
    return true;
  }

  /** The command line so far. */
  get text(): string {
    return this.#text;
  }
}
