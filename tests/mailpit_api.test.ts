// The npm `mailpit-api` client, unchanged, against mocksmtp's Mailpit-shaped API: a library
// server (mockmta here; any persona works through a CaptureSink) fed by nodemailer over SMTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { MailpitClient } from "mailpit-api";
import nodemailer from "nodemailer";
import { MockmtaServer } from "../src/api/mockmta.ts";
import { CaptureStore } from "../src/capture/store.ts";
import { startMailpitApi } from "../src/http/mailpit.ts";
import { CaptureSink } from "../src/sinks/capture.ts";

/** A mockmta capturing into a store, the API over it, a client and a sender. */
async function served() {
  const store = new CaptureStore();
  const server = await MockmtaServer.start({ sink: new CaptureSink(store) });
  const api = await startMailpitApi({ store });
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: server.port,
    secure: false,
    ignoreTLS: true,
  });
  return {
    store,
    server,
    api,
    client: new MailpitClient(api.url),
    send: (mail: Record<string, unknown>) =>
      transport.sendMail({ from: "App <app@example.com>", ...mail }),
    async [Symbol.asyncDispose]() {
      transport.close();
      await api.close();
      await server.stop({ force: true });
    },
  };
}

const ATTACHMENT = "attached bytes\n";

test("mailpit-api: list, search, latest with a query, message, headers, raw, part", async () => {
  await using s = await served();
  await s.send({ to: "first@example.com", subject: "First", text: "nothing here" });
  await s.send({
    to: "Bob <bob+run42@example.com>",
    bcc: "hidden@example.com",
    subject: "Welcome Bob",
    text: "Your code is 482913. Verify at https://app.example/verify?t=abc",
    html: '<p>Verify <a href="https://app.example/verify?t=abc">here</a></p>',
    attachments: [{ filename: "notes.txt", content: ATTACHMENT, contentType: "text/plain" }],
  });

  const list = await s.client.listMessages();
  assert.equal(list.total, 2);
  assert.equal(list.messages_count, 2);
  assert.deepEqual(list.messages.map((m) => m.Subject), ["Welcome Bob", "First"], "newest first");
  assert.deepEqual(list.tags, ["run42"], "plus-address tag");
  assert.equal(list.messages[0].Attachments, 1);
  assert.deepEqual(list.messages[0].From, { Name: "App", Address: "app@example.com" });

  const found = await s.client.searchMessages({ query: "subject:welcome" });
  assert.equal(found.messages_count, 1);
  assert.equal(found.total, 2);
  const id = found.messages[0].ID;
  assert.match(id, /^[0-9A-Za-z]{22}$/, "a Mailpit-style ID");

  const latest = await s.client.getMessageSummary("latest");
  assert.equal(latest.ID, id);
  const latestFirst = await fetch(`${s.api.url}/api/v1/message/latest?query=subject:First`);
  assert.equal((await latestFirst.json()).Subject, "First");

  const m = await s.client.getMessageSummary(id);
  assert.equal(m.Subject, "Welcome Bob");
  assert.deepEqual(m.To, [{ Name: "Bob", Address: "bob+run42@example.com" }]);
  assert.match(m.Text, /Your code is 482913/);
  assert.match(m.HTML, /<a href="https:\/\/app.example\/verify\?t=abc">/);
  assert.deepEqual(m.Tags, ["run42"]);
  const [att] = m.Attachments;
  assert.equal(att.FileName, "notes.txt");
  assert.equal(att.Size, ATTACHMENT.length);
  assert.equal(att.Checksums.SHA256, createHash("sha256").update(ATTACHMENT).digest("hex"));
  // mocksmtp's fields: the envelope shows the Bcc recipient, links and codes are extracted.
  const ours = m as unknown as Record<string, unknown> & { Session: Record<string, unknown> };
  assert.equal(ours.MailFrom, "app@example.com");
  assert.deepEqual(ours.RcptTo, ["bob+run42@example.com", "hidden@example.com"]);
  assert.deepEqual(ours.Links, ["https://app.example/verify?t=abc"]);
  assert.deepEqual(ours.Codes, ["482913"]);
  assert.equal(ours.Session.ClientAddress, "127.0.0.1");
  assert.equal(typeof ours.Session.Helo, "string");
  assert.equal(ours.Session.TLS, null);

  const headers = await s.client.getMessageHeaders(id);
  assert.deepEqual(headers.Subject, ["Welcome Bob"]);
  assert.deepEqual(Object.keys(headers), Object.keys(headers).sort(), "names sorted");
  assert.ok(headers["Message-Id"], "Go's canonical name");

  const raw = await s.client.getMessageSource(id);
  assert.equal(raw, new TextDecoder().decode(s.store.get(id)!.message.data));

  const part = await s.client.getMessageAttachment(id, att.PartID);
  assert.equal(await part.text(), ATTACHMENT);
  assert.match(part.type, /^text\/plain/);

  assert.match(await s.client.renderMessageHTML(id), /Verify/);
  assert.match(await s.client.renderMessageText(id), /482913/);
});

test("mailpit-api: read status, tags, delete by search, info and web UI config", async () => {
  await using s = await served();
  await s.send({ to: "a+one@example.com", subject: "one", text: "1" });
  await s.send({ to: "b+two@example.com", subject: "two", text: "2" });
  await s.send({ to: "c+two@example.com", subject: "three", text: "3" });

  assert.equal((await s.client.listMessages()).unread, 3);
  assert.equal(await s.client.setReadStatus({ Search: "tag:two", Read: true }), "ok");
  const afterRead = await s.client.listMessages();
  assert.equal(afterRead.unread, 1);
  assert.equal((await s.client.searchMessages({ query: "is:read" })).messages_count, 2);

  const one = (await s.client.searchMessages({ query: "tag:one" })).messages[0].ID;
  assert.equal(await s.client.setTags({ IDs: [one], Tags: ["alpha", "beta"] }), "ok");
  assert.deepEqual(await s.client.getTags(), ["alpha", "beta", "two"]);
  assert.equal(await s.client.renameTag("beta", "gamma"), "ok");
  assert.equal(await s.client.deleteTag("alpha"), "ok");
  assert.deepEqual(await s.client.getTags(), ["gamma", "two"]);

  const info = await s.client.getInfo();
  assert.equal(info.Messages, 3);
  assert.equal(info.Unread, 1);
  assert.deepEqual(info.Tags, { gamma: 1, two: 2 });
  assert.equal(info.RuntimeStats.SMTPAccepted, 3);
  const config = await s.client.getConfiguration();
  assert.equal(config.MessageRelay.Enabled, false);

  assert.equal(await s.client.deleteMessagesBySearch({ query: "tag:two" }), "ok");
  const left = await s.client.listMessages();
  assert.deepEqual(left.messages.map((m) => m.Subject), ["one"]);
  assert.equal(await s.client.deleteMessages({ IDs: [one] }), "ok");
  assert.equal((await s.client.listMessages()).total, 0);
});

test("mailpit-api: waitForMessage and waitForMessages see mail sent meanwhile", async () => {
  await using s = await served();
  const one = s.client.waitForMessage({ query: "subject:later" }, {
    timeout: 10_000,
    interval: 20,
  });
  const two = s.client.waitForMessages({ query: "to:later", count: 2 }, {
    timeout: 10_000,
    interval: 20,
  });
  await s.send({ to: "later@example.com", subject: "later", text: "x" });
  await s.send({ to: "later@example.com", subject: "later too", text: "y" });
  assert.match((await one).Subject, /^later/);
  assert.equal((await two).messages_count, 2);
  await s.client.deleteMessages();
  assert.equal((await s.client.waitForMessages({ count: 0 }, { timeout: 1000 })).total, 0);
});

test("mailpit-api: endpoints mocksmtp does not implement fail clearly with 501", async () => {
  await using s = await served();
  await s.send({ to: "x@example.com", subject: "x", text: "x" });
  await assert.rejects(s.client.htmlCheck(), /501.*Not implemented by mocksmtp/);
  await assert.rejects(s.client.linkCheck(), /501.*network/);
  await assert.rejects(s.client.spamAssassinCheck(), /501/);
  await assert.rejects(s.client.releaseMessage("latest", { To: ["y@example.com"] }), /501/);
  await assert.rejects(
    s.client.sendMessage({ From: { Email: "a@example.com" }, To: [{ Email: "b@example.com" }] }),
    /501/,
  );
  await assert.rejects(s.client.getChaosTriggers(), /404/, "no fault rules mounted");
});
