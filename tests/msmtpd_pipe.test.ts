// The pipe command (spec msmtpd.md §6–§8): exit status → reply row by row, signals, commands
// that do not read, shell safety of envelope values, and what the command receives (§7).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { MsmtpdServer } from "../src/api/msmtpd.ts";
import { ListenError } from "../src/net/types.ts";
import { RawClient } from "./helpers/raw_client.ts";
import {
  greeted,
  OK,
  PIPED,
  receivedTcp,
  recorded,
  recorderCommand,
  removeDir,
  sendMail,
  tempDir,
  withoutDate,
  withRecorder,
  withServer,
} from "./helpers/msmtpd.ts";

/** Sends one mail to recipient `rcpt` on a new session; returns the final reply. */
async function deliverTo(port: number, rcpt: string, body = "x\r\n.\r\n"): Promise<string> {
  const c = await greeted(port);
  try {
    return await sendMail(c, "a@b.org", [rcpt], body);
  } finally {
    c.close();
  }
}

// The recipient is appended to the command line, so `exit` takes it as its status.
const EXIT_WITH_RECIPIENT = "cat >/dev/null; exit";

test("msmtpd pipe: exit 0 → 250 Ok, mail was piped; the session goes on", async () => {
  await withServer({ command: EXIT_WITH_RECIPIENT }, async (server) => {
    const c = await greeted(server.port);
    assert.equal(await sendMail(c, "a@b.org", ["0"], "x\r\n.\r\n"), PIPED);
    assert.equal(await sendMail(c, "a@b.org", ["0"], "y\r\n.\r\n"), PIPED);
    await c.send("QUIT\r\n");
    assert.equal(await c.closed(), "221 Bye\r\n");
  });
});

const TEMPORARY = [68, 69, 71, 75];
const PERMANENT = [1, 2, 64, 65, 66, 67, 70, 72, 73, 74, 76, 77, 78, 126, 127, 255];

for (const status of [...TEMPORARY, ...PERMANENT]) {
  const code = TEMPORARY.includes(status) ? 451 : 554;
  test(`msmtpd pipe: exit ${status} → ${code} Pipe command reported error ${status}`, async () => {
    await withServer({ command: EXIT_WITH_RECIPIENT }, async (server) => {
      const c = await greeted(server.port);
      assert.equal(
        await sendMail(c, "a@b.org", [String(status)], "x\r\n.\r\n"),
        `${code} Pipe command reported error ${status}\r\n`,
      );
      assert.equal(await c.closed(), "", "closed after the error");
    });
  });
}

test("msmtpd pipe: a shell killed by SIGKILL → 554 Pipe command failed to execute", async () => {
  await withServer({ command: "cat >/dev/null; kill -9 $$; :" }, async (server) => {
    assert.equal(await deliverTo(server.port, "c@d.org"), "554 Pipe command failed to execute\r\n");
  });
  // Killed before reading anything: the signal still wins over the broken pipe.
  await withServer({ command: "kill -9 $$; :" }, async (server) => {
    const big = "y".repeat(200_000) + "\r\n.\r\n";
    assert.equal(
      await deliverTo(server.port, "c@d.org", big),
      "554 Pipe command failed to execute\r\n",
    );
  });
});

test("msmtpd pipe: a SIGKILLed program under the shell → exit 137 reported", async () => {
  await withServer(
    { command: "cat >/dev/null; sh -c 'kill -9 $$'; exit $?; :", pipe: { stderr: "ignore" } },
    async (server) => {
      assert.equal(
        await deliverTo(server.port, "c@d.org"),
        "554 Pipe command reported error 137\r\n",
      );
    },
  );
});

test("msmtpd pipe: a command that never reads stdin", async () => {
  // A small mail fits in the pipe buffer: the exit status decides, as with msmtpd. (The command
  // lives on briefly so that our write meets an open pipe; that is the case being tested.)
  await withServer({ command: "sleep 0.3; exit 0; :" }, async (server) => {
    assert.equal(await deliverTo(server.port, "c@d.org"), PIPED);
  });
  // A mail larger than the pipe buffer cannot be written: never reported as piped.
  const big = "z".repeat(300_000) + "\r\n.\r\n";
  await withServer({ command: "exit 0; :" }, async (server) => {
    assert.equal(
      await deliverTo(server.port, "c@d.org", big),
      "554 Cannot pipe mail to command\r\n",
    );
  });
  await withServer({ command: "exit 75; :" }, async (server) => {
    assert.equal(
      await deliverTo(server.port, "c@d.org", big),
      "554 Cannot pipe mail to command\r\n",
    );
  });
});

test("msmtpd pipe: a shell that cannot start → 554 Cannot start pipe command", async () => {
  await withServer(
    { command: "cat", pipe: { shell: "/nonexistent/sh" } },
    async (server) => {
      assert.equal(await deliverTo(server.port, "c@d.org"), "554 Cannot start pipe command\r\n");
    },
  );
});

test("msmtpd pipe: what the command prints never reaches the client", async () => {
  await withServer({ command: "echo 250 INJECTED; cat; :" }, async (server) => {
    const c = await greeted(server.port);
    assert.equal(await sendMail(c, "a@b.org", ["c@d.org"], "x\r\n.\r\n"), PIPED);
    await c.send("QUIT\r\n");
    assert.equal(await c.closed(), "221 Bye\r\n");
  });
});

test("msmtpd pipe: a client vanishing mid-DATA delivers nothing", async () => {
  await withRecorder({}, async (server, dir) => {
    // Connection reset in the middle of the body.
    const c = await greeted(server.port);
    await c.send("MAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\n");
    assert.equal(await c.readBytes(8 + 8 + 15), OK + OK + "354 Send data\r\n");
    await c.send("Subject: cut\r\n\r\npartial\r\n");
    c.close();
    // Half-close (FIN) before the final dot: told so, still nothing piped.
    const h = await greeted(server.port);
    await h.send("MAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\npartial\r\n");
    h.socket.end();
    assert.equal(
      await h.closed(),
      OK + OK + "354 Send data\r\n554 Cannot pipe mail to command\r\n",
    );
    await server.idle();
    assert.deepEqual(recorded(dir), []);
  });
});

test("msmtpd pipe: dot-unstuffing, line ends and bytes as §7 describes", async () => {
  await withRecorder({}, async (server, dir) => {
    const long = "a".repeat(1500) + ".b" + "c".repeat(1499); // dots inside a long line stay
    const body = "..x\r\n.x\r\n. y\r\nbare\nlf\r\na\rb\r\ncrcr\r\r\n" +
      "nul\0byte\r\n\xe9\xff8bit\r\n" + long + "\r\n\r\n.\r\n";
    const c = await RawClient.connect(server.port);
    await c.readLine();
    await c.send("EHLO [127.0.0.1]\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\n");
    await c.readBytes(15 + 8 + 8 + 15);
    await c.send(Buffer.from(body, "latin1"));
    assert.equal(await c.readLine(), PIPED);
    c.close();
    const [mail] = recorded(dir);
    assert.equal(
      withoutDate(mail.stdin),
      receivedTcp("[127.0.0.1]") +
        ".x\nx\n y\nbare\nlf\na\rb\ncrcr\r\nnul\0byte\n\xe9\xff8bit\n" + long + "\n\n",
    );
  });
});

test("msmtpd pipe: EHLO names in the Received header (unknown, invalid, kept)", async () => {
  for (
    const [hello, shown] of [["EHLO ", "unknown"], ["HELO foo_bar", "invalid"], [
      "EHLO a-b.c:d",
      "a-b.c:d",
    ], ["EHLO a[b]", "invalid"]]
  ) {
    await withRecorder({}, async (server, dir) => {
      const c = await RawClient.connect(server.port);
      await c.readLine();
      await c.send(`${hello}\r\n`);
      assert.equal(await c.readLine(), "250 localhost\r\n");
      assert.equal(await sendMail(c, "a@b.org", ["c@d.org"], "x\r\n.\r\n"), PIPED);
      c.close();
      assert.equal(withoutDate(recorded(dir)[0].stdin), receivedTcp(shown) + "x\n", hello);
    });
  }
});

/** Envelope values a shell would act on; each would create `marker` if one ever saw it. */
function payloads(marker: string): string[] {
  return [
    `x;touch ${marker}`,
    `x$(touch ${marker})`,
    `x\`touch ${marker}\``,
    `'x';touch${"${IFS}"}${marker}`,
    `"x"$(touch${"${IFS}"}${marker})`,
    `x&&touch${"${IFS}"}${marker}`,
    `x|touch${"${IFS}"}${marker}`,
    `x>${marker}`,
    `x\rtouch ${marker}`,
    `x\0;touch ${marker}`,
    `-oX;touch ${marker}`,
    `x${"${IFS}"};touch${"${IFS}"}${marker}`,
    `x*`,
    `~root`,
  ];
}

test("msmtpd pipe: shell metacharacters in MAIL FROM / RCPT TO never reach the shell", async () => {
  const dir = tempDir();
  const marker = path.join(dir, "marker");
  try {
    await withRecorder({}, async (server, recDir) => {
      for (const bad of payloads(marker)) {
        const m = await greeted(server.port);
        await m.send(Buffer.from(`MAIL FROM:<${bad}>\r\n`, "latin1"));
        assert.equal(await m.closed(), "501 Invalid address\r\n", JSON.stringify(bad));
        const r = await greeted(server.port);
        await r.send(Buffer.from(`MAIL FROM:<a@b.org>\r\nRCPT TO:<${bad}>\r\n`, "latin1"));
        assert.equal(await r.closed(), OK + "501 Invalid address\r\n", JSON.stringify(bad));
      }
      // A newline ends the command line: what follows is a new (unexpected) command.
      const n = await greeted(server.port);
      await n.send(`MAIL FROM:<x\ntouch ${marker}>\r\n`);
      assert.equal(await n.closed(), "501 Invalid address\r\n");
      await server.idle();
      assert.deepEqual(recorded(recDir), [], "no command ran");
    });
    assert.equal(fs.existsSync(marker), false, "no shell ever ran a payload");
  } finally {
    removeDir(dir);
  }
});

test("msmtpd pipe: every accepted address character reaches the command literally", async () => {
  await withRecorder({}, async (server, dir) => {
    const all = "AZaz09.@_+/=-x";
    const c = await greeted(server.port);
    assert.equal(await sendMail(c, all, [all, "a=b", "=", "/etc/passwd"], "x\r\n.\r\n"), PIPED);
    c.close();
    assert.deepEqual(recorded(dir)[0].argv, ["-f", all, "--", all, "a=b", "=", "/etc/passwd"]);
  });
});

test("msmtpd pipe: only the first %F is replaced, recipients appended in order with duplicates", async () => {
  await withRecorder({}, async (server, dir) => {
    const c = await greeted(server.port);
    assert.equal(await sendMail(c, "s@x", ["b@y", "a@y", "b@y"], "x\r\n.\r\n"), PIPED);
    c.close();
    assert.deepEqual(recorded(dir)[0].argv, ["%s@x", "x%Fy", "%F", "--", "b@y", "a@y", "b@y"]);
  }, "%%F x%Fy %F --");
});

test("msmtpd pipe: on `::`, an IPv4 client shows as [::ffff:a.b.c.d] without a name", async () => {
  const dir = tempDir();
  try {
    const server = await MsmtpdServer.start({ host: "::", command: recorderCommand(dir) })
      .catch((e) => {
        if (e instanceof ListenError) return null; // no IPv6 on this machine: nothing to check
        throw e;
      });
    if (!server) return;
    try {
      const c = await RawClient.connect(server.port, "127.0.0.1");
      await c.send("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n");
      await c.closed();
    } finally {
      await server.stop({ force: true });
    }
    assert.equal(
      withoutDate(recorded(dir)[0].stdin),
      "Received: from x ([::ffff:127.0.0.1])\r\n\tby [::ffff:127.0.0.1] (msmtpd) with ESMTP;\r\n" +
        "\t<DATE>\r\nx\n",
    );
  } finally {
    removeDir(dir);
  }
});
