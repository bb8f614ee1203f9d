/** A mail transaction of the serve dialect and the one record it becomes. */
import type { GrowingBody } from "../framing.ts";
import type { ReceivedMessage } from "../message.ts";
import type { EsmtpParams } from "../params.ts";
import type { MailFacts } from "./mail_params.ts";

/** What MAIL, RCPT and BDAT chunks so far have set up. */
export interface Transaction {
  /** Envelope sender without brackets (`""` for `<>`). */
  readonly from: string;
  readonly mail: MailFacts;
  readonly to: string[];
  readonly rcptParams: EsmtpParams[];
  /** BDAT chunks received so far; null until the first (DATA is then refused). */
  chunks: GrowingBody | null;
}

/** The session facts a record carries besides its transaction. */
export interface SessionFacts {
  sessionId: number;
  helo: string;
  heloVerb?: "HELO" | "EHLO";
  remoteAddress: ReceivedMessage["remoteAddress"];
  localAddress: ReceivedMessage["localAddress"];
  sessionStartedAt: Date;
  tls: boolean;
  tlsSession?: ReceivedMessage["tlsSession"];
  authUser?: string;
  authMechanism?: string;
}

/** The record of a message whose content has fully arrived. */
export function buildRecord(
  tx: Transaction,
  data: Uint8Array,
  transport: "DATA" | "BDAT",
  session: SessionFacts,
  receivedAt: Date,
): ReceivedMessage {
  if (
    !session.tlsSession && session.authUser === undefined && session.heloVerb && !tx.mail.body
  ) return usualRecord(tx, data, transport, session, receivedAt);
  // Otherwise key by key in the record's key order, not by spreading conditional objects.
  const record = {
    sessionId: session.sessionId,
    from: tx.from,
    to: tx.to,
    mailParams: tx.mail.params,
    rcptParams: tx.rcptParams,
    data,
    helo: session.helo,
    remoteAddress: session.remoteAddress,
    localAddress: session.localAddress,
    receivedAt,
    sessionStartedAt: session.sessionStartedAt,
    tls: session.tls,
  } as Writable<ReceivedMessage>;
  if (session.tlsSession) record.tlsSession = session.tlsSession;
  if (session.authUser !== undefined) {
    record.authUser = session.authUser;
    record.authMechanism = session.authMechanism;
  }
  if (session.heloVerb) record.heloVerb = session.heloVerb;
  record.transport = transport;
  if (tx.mail.body) record.bodyType = tx.mail.body;
  record.smtpUtf8 = tx.mail.smtpUtf8;
  return record;
}

/**
 * The usual record (no TLS, no AUTH, after HELO/EHLO, no BODY=), in the same key order, as
 * one literal: keys added to an object go to a second one, kept with the record as long as
 * it is stored.
 */
function usualRecord(
  { from, to, mail, rcptParams }: Transaction,
  data: Uint8Array,
  transport: "DATA" | "BDAT",
  { sessionId, helo, remoteAddress, localAddress, sessionStartedAt, tls, heloVerb }: SessionFacts,
  receivedAt: Date,
): ReceivedMessage {
  const { params: mailParams, smtpUtf8 } = mail;
  return {
    sessionId,
    from,
    to,
    mailParams,
    rcptParams,
    data,
    helo,
    remoteAddress,
    localAddress,
    receivedAt,
    sessionStartedAt,
    tls,
    heloVerb,
    transport,
    smtpUtf8,
  };
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };
