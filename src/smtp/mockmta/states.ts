/**
 * mockmta's legality table (spec §3.5), the ancestor's own `smtp_transition_table`: for each
 * state, the verbs accepted there and the state a successful handler leads to. A verb missing
 * from a row is `500 Command not valid`; a handler that fails leaves the state unchanged.
 */
import type { Keyword } from "./command.ts";

/** INIT: greeted or RSET; HELLO: after HELO/EHLO or a finished DATA; MAIL; RCPT. */
export type State = "INIT" | "HELLO" | "MAIL" | "RCPT";

type Row = Partial<Record<Keyword, State | "END">>;

const TABLE: Record<State, Row> = {
  INIT: { HELP: "INIT", RSET: "INIT", HELO: "HELLO", EHLO: "HELLO", QUIT: "END" },
  HELLO: {
    HELP: "HELLO",
    RSET: "INIT",
    HELO: "HELLO",
    EHLO: "HELLO",
    MAIL: "MAIL",
    STARTTLS: "HELLO",
    QUIT: "END",
  },
  MAIL: { HELP: "MAIL", RSET: "INIT", RCPT: "RCPT", HELO: "HELLO", EHLO: "HELLO", QUIT: "END" },
  RCPT: {
    HELP: "RCPT",
    RSET: "INIT",
    RCPT: "RCPT",
    HELO: "HELLO",
    EHLO: "HELLO",
    DATA: "HELLO",
    QUIT: "END",
  },
};

/**
 * Where `keyword` leads from `state`, or null when it is not valid there. STARTTLS is valid
 * only while the session can still upgrade (configured and not yet done).
 */
export function transition(
  state: State,
  keyword: Keyword,
  canStartTls: boolean,
): State | "END" | null {
  if (keyword === "STARTTLS" && !canStartTls) return null;
  return TABLE[state][keyword] ?? null;
}
