/**
 * An smtpmock record as the HTTP API serves it: go-smtp-mock's `Message` fields (camelCased,
 * as the library has them), the envelope and the client's address. The body is text in
 * `msgRequest`; its exact bytes are at `/api/messages/I/raw`.
 */
import type { SmtpmockRecord } from "../smtp/smtpmock/record.ts";
import type { Address } from "../smtp/wire.ts";

/** The JSON object of one message. */
export interface SmtpmockJson {
  /** Position in the list (0 = oldest since the last purge). */
  index: number;
  from: string;
  to: string[];
  remoteAddress: Address;
  heloRequest: string;
  heloResponse: string;
  helo: boolean;
  mailfromRequest: string;
  mailfromResponse: string;
  mailfrom: boolean;
  rcpttoRequestResponse: [string, string][];
  rcptto: boolean;
  dataRequest: string;
  dataResponse: string;
  data: boolean;
  msgRequest: string;
  msgResponse: string;
  msg: boolean;
  rsetRequest: string;
  rsetResponse: string;
  rset: boolean;
  noop: boolean;
  quitSent: boolean;
  isConsistent: boolean;
  /** Length of the raw body in bytes. */
  size: number;
}

export function smtpmockJson(r: SmtpmockRecord, index: number): SmtpmockJson {
  return {
    index,
    from: r.from,
    to: r.to,
    remoteAddress: { hostname: r.remoteAddress.hostname, port: r.remoteAddress.port },
    heloRequest: r.heloRequest,
    heloResponse: r.heloResponse,
    helo: r.helo,
    mailfromRequest: r.mailfromRequest,
    mailfromResponse: r.mailfromResponse,
    mailfrom: r.mailfrom,
    rcpttoRequestResponse: r.rcpttoRequestResponse,
    rcptto: r.rcptto,
    dataRequest: r.dataRequest,
    dataResponse: r.dataResponse,
    data: r.data,
    msgRequest: r.msgRequest,
    msgResponse: r.msgResponse,
    msg: r.msg,
    rsetRequest: r.rsetRequest,
    rsetResponse: r.rsetResponse,
    rset: r.rset,
    noop: r.noop,
    quitSent: r.quitSent,
    isConsistent: r.isConsistent,
    size: r.raw.length,
  };
}

/** The raw body bytes of a record. */
export const smtpmockRaw = (r: SmtpmockRecord): Uint8Array => r.raw;
