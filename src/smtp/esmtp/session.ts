/** The ESMTP session loop (first cut: greeting and QUIT; the full dialect follows). */
import { Conversation } from "../conversation.ts";
import type { SessionContext } from "../session.ts";
import type { EsmtpConfig, EsmtpHooks, EsmtpSessionEnd } from "./config.ts";

export class EsmtpSession {
  readonly #conv: Conversation;

  constructor(
    private readonly ctx: SessionContext,
    private readonly cfg: EsmtpConfig,
    hooks: EsmtpHooks,
  ) {
    this.#conv = new Conversation(ctx, { maxLine: cfg.maxCommandLine });
    hooks.attach?.(this.#conv);
  }

  async run(): Promise<EsmtpSessionEnd> {
    try {
      await this.#conv.reply(`220 ${this.cfg.hostname} ${this.cfg.greetingText}`);
      for (;;) {
        const line = await this.#conv.readCommand();
        if (line === null) return "eof";
        if (/^quit\r?\n$/i.test(new TextDecoder().decode(line))) {
          await this.#conv.reply("221 2.0.0 Bye");
          return "quit";
        }
        await this.#conv.reply("502 5.5.1 Not implemented yet");
      }
    } catch {
      return "closed";
    } finally {
      this.#conv.end();
      this.ctx.log("debug", "session ended");
    }
  }
}
