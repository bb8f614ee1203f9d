/**
 * The OpenAPI 3.0 document of the HTTP API, served at `/api/v1/swagger.json`: Mailpit's v1
 * paths and shapes as mocksmtp implements them, plus mocksmtp's extensions (marked
 * `x-mocksmtp: true`). tests/http_mailpit.test.ts checks it against the routes both ways.
 */
import { VERSION } from "../version.ts";

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: "string" };
const int: Schema = { type: "integer" };
const bool: Schema = { type: "boolean" };
const arr = (items: Schema): Schema => ({ type: "array", items });
const obj = (properties: Record<string, Schema>): Schema => ({ type: "object", properties });

const text = (description: string) => ({
  description,
  content: { "text/plain": { schema: str } },
});
const json = (description: string, schema: Schema) => ({
  description,
  content: { "application/json": { schema } },
});
const OK = { 200: text("ok") };
const ERR = { 400: text("The reason, as plain text") };
const NOT_FOUND = { 404: text("Not found") };

const id = {
  name: "ID",
  in: "path",
  required: true,
  schema: str,
  description: 'Message ID or "latest"',
};
const partId = { name: "PartID", in: "path", required: true, schema: str };
const q = (name: string, description: string, schema: Schema = str, ext = false) => ({
  name,
  in: "query",
  schema,
  description,
  ...(ext && { "x-mocksmtp": true }),
});
const query = q("query", "Mailpit search syntax (to:, from:, subject:, tag:, is:, has:, …)");
const paging = [q("start", "Pagination offset", int), q("limit", "Page size (default 50)", int)];
const waits = [
  q("wait", "Answer once at least this many messages match (server-side wait)", int, true),
  q("timeout", "Milliseconds to wait (default 5000); 408 with what matched", int, true),
];
const latestQuery = q("query", 'With ID "latest": the newest message matching this search');
const idsBody = {
  content: { "application/json": { schema: obj({ IDs: arr(str) }) } },
};

const address = obj({ Name: str, Address: str });
const part = obj({
  PartID: str,
  FileName: str,
  ContentType: str,
  ContentID: str,
  Size: int,
  Checksums: obj({ MD5: str, SHA1: str, SHA256: str }),
});
const envelope = { MailFrom: str, RcptTo: arr(str) };
const summary = obj({
  ID: str,
  MessageID: str,
  Read: bool,
  From: address,
  To: arr(address),
  Cc: arr(address),
  Bcc: arr(address),
  ReplyTo: arr(address),
  Subject: str,
  Created: str,
  Username: str,
  Tags: arr(str),
  Size: int,
  Attachments: int,
  Snippet: str,
  ...envelope,
});
const session = obj({
  SessionID: int,
  ClientAddress: str,
  ClientPort: int,
  ServerAddress: str,
  ServerPort: int,
  Helo: str,
  StartedAt: str,
  TLS: obj({ Version: str, Cipher: str, ServerName: str }),
  AuthUser: str,
  AuthMechanism: str,
});
const message = obj({
  ID: str,
  MessageID: str,
  From: address,
  To: arr(address),
  Cc: arr(address),
  Bcc: arr(address),
  ReplyTo: arr(address),
  ReturnPath: str,
  Subject: str,
  ListUnsubscribe: obj({ Header: str, Links: arr(str), Errors: str, HeaderPost: str }),
  Date: str,
  Created: str,
  Tags: arr(str),
  Username: str,
  Text: str,
  HTML: str,
  Size: int,
  Inline: arr(ref("Attachment")),
  Attachments: arr(ref("Attachment")),
  ...envelope,
  Session: session,
  Links: arr(str),
  Codes: arr(str),
  Transcript: arr(str),
  Lint: arr({ type: "object" }),
});
const list = obj({
  total: int,
  unread: int,
  count: int,
  messages_count: int,
  messages_unread: int,
  start: int,
  tags: arr(str),
  messages: arr(ref("MessageSummary")),
});
const listResponses = {
  200: json("Messages, newest first", ref("MessagesSummary")),
  408: json("The wait timed out: what matched", ref("MessagesSummary")),
  ...ERR,
};
const notImplemented = { 501: text("Not implemented by mocksmtp, and why") };

/** The document (built once per call: it is small). */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: {
      title: "mocksmtp HTTP API",
      version: `v1 (mocksmtp ${VERSION})`,
      description: "Mailpit's API v1 as mocksmtp serves it, with server-side waits, " +
        "query-scoped lists and deletes, envelope and session fields, and live events.",
    },
    paths: {
      "/api/v1/messages": {
        get: {
          summary: "List messages",
          parameters: [...paging, { ...query, "x-mocksmtp": true }, ...waits],
          responses: listResponses,
        },
        put: {
          summary: "Set read status (IDs, Search, or all)",
          requestBody: {
            content: {
              "application/json": { schema: obj({ IDs: arr(str), Read: bool, Search: str }) },
            },
          },
          responses: { ...OK, ...ERR },
        },
        delete: {
          summary: "Delete messages by IDs, by ?query=, or all",
          parameters: [{ ...query, "x-mocksmtp": true }],
          requestBody: idsBody,
          responses: { ...OK, ...ERR },
        },
      },
      "/api/v1/search": {
        get: {
          summary: "Search messages",
          parameters: [{ ...query, required: true }, ...paging, q("tz", "Time zone"), ...waits],
          responses: listResponses,
        },
        delete: {
          summary: "Delete messages matching a search",
          parameters: [{ ...query, required: true }, q("tz", "Time zone")],
          responses: { ...OK, ...ERR },
        },
      },
      "/api/v1/message/{ID}": {
        get: {
          summary: "One message (marks it read)",
          parameters: [id, latestQuery, ...waits],
          responses: {
            200: json("Message", ref("Message")),
            408: text("No message matched in time"),
            ...NOT_FOUND,
          },
        },
      },
      "/api/v1/message/{ID}/headers": {
        get: {
          summary: "Headers, names sorted",
          parameters: [id, latestQuery],
          responses: {
            200: json("Header name → values", {
              type: "object",
              additionalProperties: arr(str),
            }),
            ...NOT_FOUND,
          },
        },
      },
      "/api/v1/message/{ID}/raw": {
        get: {
          summary: "The message exactly as received",
          parameters: [id, latestQuery, q("dl", "1: as a download")],
          responses: { 200: text("Raw message"), ...NOT_FOUND },
        },
      },
      "/api/v1/message/{ID}/part/{PartID}": {
        get: {
          summary: "Download an attachment or inline part",
          parameters: [id, partId],
          responses: {
            200: { description: "The part's bytes, with its Content-Type" },
            ...NOT_FOUND,
          },
        },
      },
      "/api/v1/message/{ID}/part/{PartID}/thumb": {
        get: { summary: "Thumbnail", parameters: [id, partId], responses: notImplemented },
      },
      "/api/v1/message/{ID}/html-check": {
        get: { summary: "HTML check", parameters: [id], responses: notImplemented },
      },
      "/api/v1/message/{ID}/link-check": {
        get: { summary: "Link check", parameters: [id], responses: notImplemented },
      },
      "/api/v1/message/{ID}/sa-check": {
        get: { summary: "SpamAssassin check", parameters: [id], responses: notImplemented },
      },
      "/api/v1/message/{ID}/release": {
        post: { summary: "Release a message", parameters: [id], responses: notImplemented },
      },
      "/api/v1/send": { post: { summary: "Send a message", responses: notImplemented } },
      "/api/v1/info": {
        get: { summary: "Application information", responses: { 200: json("Info", obj({})) } },
      },
      "/api/v1/webui": {
        get: { summary: "Web UI configuration", responses: { 200: json("Config", obj({})) } },
      },
      "/api/v1/tags": {
        get: { summary: "All tags", responses: { 200: json("Tags", arr(str)) } },
        put: {
          summary: "Set the tags of messages",
          requestBody: {
            content: { "application/json": { schema: obj({ IDs: arr(str), Tags: arr(str) }) } },
          },
          responses: { ...OK, ...ERR },
        },
      },
      "/api/v1/tags/{Tag}": {
        put: {
          summary: "Rename a tag",
          parameters: [{ name: "Tag", in: "path", required: true, schema: str }],
          requestBody: { content: { "application/json": { schema: obj({ Name: str }) } } },
          responses: { ...OK, ...ERR },
        },
        delete: {
          summary: "Remove a tag from every message",
          parameters: [{ name: "Tag", in: "path", required: true, schema: str }],
          responses: OK,
        },
      },
      "/api/v1/events": {
        get: {
          summary: "Server-Sent Events: arrivals matching ?query=",
          "x-mocksmtp": true,
          parameters: [query],
          responses: { 200: { description: "text/event-stream of `event: new`" } },
        },
      },
      "/api/events": {
        get: {
          summary: "Mailpit's websocket of events (new, delete, truncate, stats)",
          responses: { 101: { description: "Switching protocols" } },
        },
      },
      "/api/v1/ca.pem": {
        get: {
          summary: "The throwaway CA of this run (serve)",
          "x-mocksmtp": true,
          responses: { 200: { description: "PEM certificate" }, ...NOT_FOUND },
        },
      },
      "/api/v1/swagger.json": {
        get: { summary: "This document", responses: { 200: json("OpenAPI", obj({})) } },
      },
      "/view/{ID}.html": {
        get: {
          summary: "The HTML part, sandboxed",
          parameters: [id],
          responses: { 200: { description: "HTML" }, ...NOT_FOUND },
        },
      },
      "/view/{ID}.txt": {
        get: { summary: "The text part", parameters: [id], responses: { 200: text("Text") } },
      },
      "/view/{ID}.raw": {
        get: {
          summary: "The raw message",
          "x-mocksmtp": true,
          parameters: [id],
          responses: { 200: text("Raw") },
        },
      },
      "/livez": { get: { summary: "Liveness", responses: { 200: text("ok") } } },
      "/readyz": { get: { summary: "Readiness", responses: { 200: text("ok") } } },
    },
    components: {
      schemas: {
        Attachment: part,
        MessageSummary: summary,
        Message: message,
        MessagesSummary: list,
      },
    },
  };
}
