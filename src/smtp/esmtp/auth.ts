/**
 * SASL exchanges of the serve dialect (RFC 4954): PLAIN (RFC 4616), LOGIN (the de-facto
 * mechanism of draft-murchison-sasl-login) and CRAM-MD5 (RFC 2195). The session checks when
 * AUTH may be used; this module runs one exchange and tells how it ended. Credentials are
 * judged by the embedder's `authenticate` hook only.
 */
import type { Reply } from "../reply.ts";
import type { AuthAttempt, AuthMechanism, EsmtpHooks } from "./config.ts";
import { hex, hmacMd5 } from "./md5.ts";
import { latin1Bytes } from "../latin1.ts";
import { challengeReply, REPLY } from "./replies.ts";

/** How the exchange talks to the client: a `334` challenge out, one response line back. */
export type Challenge = (reply: Reply) => Promise<string | null>;

/** How an exchange ended: the reply to give, and the identity when it succeeded. */
export type AuthOutcome =
  | { reply: Reply; user?: undefined }
  | { reply: Reply; user: string }
  /** The input ended in the middle of the exchange. */
  | "eof";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** Strict base64 to bytes (padding required); `null` for anything else. */
export function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null;
  return latin1Bytes(atob(text));
}

/** Base64 of a string's UTF-8 bytes. */
export function encodeBase64(text: string): string {
  let binary = "";
  for (const b of encoder.encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** What a client response decodes to, or the reply that ends the exchange. */
function decodeResponse(line: string): Uint8Array | Reply {
  if (line === "*") return REPLY.authCancelled;
  return decodeBase64(line) ?? REPLY.authBadBase64;
}

function isReply(x: Uint8Array | Reply): x is Reply {
  return !(x instanceof Uint8Array);
}

/** Everything an exchange needs from its session. */
export interface AuthContext {
  challenge: Challenge;
  hooks: EsmtpHooks;
  /** The server name in CRAM-MD5 challenges. */
  hostname: string;
}

/**
 * Runs one exchange. `initial`: the initial response of the AUTH command, if any (`=` is an
 * empty one, RFC 4954 §4).
 */
export async function authenticate(
  mechanism: AuthMechanism,
  initial: string | undefined,
  ctx: AuthContext,
): Promise<AuthOutcome> {
  switch (mechanism) {
    case "PLAIN":
      return await plain(initial, ctx);
    case "LOGIN":
      return await login(initial, ctx);
    case "CRAM-MD5":
      if (initial !== undefined) return { reply: REPLY.authNoInitial };
      return await cramMd5(ctx);
  }
}

/** The response to `challenge`, or the initial response when there was one. */
async function response(
  initial: string | undefined,
  challenge: string,
  ctx: AuthContext,
): Promise<Uint8Array | Reply | "eof"> {
  if (initial !== undefined) return initial === "=" ? new Uint8Array(0) : decodeResponse(initial);
  const line = await ctx.challenge(challengeReply(challenge));
  return line === null ? "eof" : decodeResponse(line);
}

async function plain(initial: string | undefined, ctx: AuthContext): Promise<AuthOutcome> {
  const got = await response(initial, "", ctx);
  if (got === "eof") return got;
  if (isReply(got)) return { reply: got };
  // authzid NUL authcid NUL passwd (RFC 4616 §2).
  const parts = utf8.decode(got).split("\0");
  if (parts.length !== 3 || parts[1] === "") return { reply: REPLY.authBadResponse };
  const [authzid, username, password] = parts;
  return await judge(ctx.hooks, {
    mechanism: "PLAIN",
    username,
    password,
    ...(authzid !== "" && { authzid }),
  });
}

async function login(initial: string | undefined, ctx: AuthContext): Promise<AuthOutcome> {
  const user = await response(initial, encodeBase64("Username:"), ctx);
  if (user === "eof") return user;
  if (isReply(user)) return { reply: user };
  const pass = await response(undefined, encodeBase64("Password:"), ctx);
  if (pass === "eof") return pass;
  if (isReply(pass)) return { reply: pass };
  const username = utf8.decode(user);
  return await judge(ctx.hooks, { mechanism: "LOGIN", username, password: utf8.decode(pass) });
}

async function cramMd5(ctx: AuthContext): Promise<AuthOutcome> {
  const nonce = ctx.hooks.nonce?.() ?? Math.random().toString(36).slice(2);
  const challenge = `<${nonce}.${ctx.hooks.now().getTime()}@${ctx.hostname}>`;
  const got = await response(undefined, encodeBase64(challenge), ctx);
  if (got === "eof") return got;
  if (isReply(got)) return { reply: got };
  // `user SP digest`: the user name may itself hold spaces, the digest never does.
  const text = utf8.decode(got);
  const space = text.lastIndexOf(" ");
  const digest = text.slice(space + 1).toLowerCase();
  if (space <= 0 || !/^[0-9a-f]{32}$/.test(digest)) return { reply: REPLY.authBadResponse };
  const challengeBytes = encoder.encode(challenge);
  return await judge(ctx.hooks, {
    mechanism: "CRAM-MD5",
    username: text.slice(0, space),
    verify: (secret) => hex(hmacMd5(encoder.encode(secret), challengeBytes)) === digest,
  });
}

/** Asks the embedder; no hook means no credentials are good, a throw is a temporary failure. */
async function judge(hooks: EsmtpHooks, attempt: AuthAttempt): Promise<AuthOutcome> {
  if (!hooks.authenticate) return { reply: REPLY.authFailed };
  let ok: boolean;
  try {
    ok = await hooks.authenticate(attempt);
  } catch {
    return { reply: REPLY.authTemporary };
  }
  return ok ? { reply: REPLY.authOk, user: attempt.username } : { reply: REPLY.authFailed };
}
