/** The STARTTLS upgrade of a mockmta session: bounded by the idle timeout, and described. */
import type { SessionContext } from "../session.ts";
import type { Wire } from "../wire.ts";
import { within } from "./input.ts";

/** What `Conn.startTls` results report; read by shape, the core does not import transports. */
interface TlsFacts {
  protocol: string | null;
  authorized: boolean;
  authorizationError: string | null;
}

/**
 * Runs the server side of the handshake. A client that goes silent is cut off after `idleMs`
 * (closing the plain wire fails the handshake and releases the transport).
 */
export function upgrade(ctx: SessionContext, idleMs: number): Promise<Wire> {
  const plain = ctx.wire;
  return within(ctx.clock, idleMs, ctx.upgradeTls!(), (late) => {
    plain.close();
    late.then((wire) => wire.close(), () => {});
  });
}

/** `STARTTLS: TLS established (TLSv1.3)[, client certificate …]` for the log. */
export function describeTls(wire: Wire): string {
  const facts = (wire as { tls?: TlsFacts }).tls;
  let text = `STARTTLS: TLS established (${facts?.protocol ?? "unknown protocol"})`;
  if (facts?.authorized) text += ", client certificate verified";
  else if (facts?.authorizationError) {
    text += `, client certificate not verified: ${facts.authorizationError}`;
  }
  return text;
}
