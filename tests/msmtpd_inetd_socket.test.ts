// msmtpd --inetd on a socket (issue 8 item 3; spec msmtpd.md §3): when stdin is a connected TCP
// socket, as inetd or systemd's Accept=yes hand it over, the Received header carries its peer
// and local addresses, numeric and with their names (`localhost [127.0.0.1]`), as in daemon
// mode. A pipe on stdin keeps the empty form `([])` (msmtpd_transcripts.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFileSync } from "node:child_process";
import { formatIPv6, procAddress } from "../src/net/stdio.ts";
import {
  BYE,
  GREETING,
  OK,
  PIPED,
  receivedTcp,
  recorded,
  recorderCommand,
  removeDir,
  spawnInetdOnSocket,
  tempDir,
  withoutDate,
} from "./helpers/msmtpd.ts";

const SESSION = "EHLO client.example\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\n" +
  "hello\r\n.\r\nQUIT\r\n";
const REPLIES = GREETING + "250 localhost\r\n" + OK + OK + "354 Send data\r\n" + PIPED + BYE;

test("msmtpd inetd socket: the Received header names both ends of the socket (IPv4)", async () => {
  const dir = tempDir();
  try {
    const { client, exited } = await spawnInetdOnSocket([`--command=${recorderCommand(dir)}`]);
    await client.send(SESSION);
    assert.equal(await client.closed(), REPLIES);
    assert.equal(await exited, 0);
    const [mail] = recorded(dir);
    assert.equal(withoutDate(mail.stdin), receivedTcp("client.example") + "hello\n");
  } finally {
    removeDir(dir);
  }
});

test("msmtpd inetd socket: IPv6 addresses in inet_ntop's form", async () => {
  const dir = tempDir();
  try {
    const { client, exited } = await spawnInetdOnSocket(
      [`--command=${recorderCommand(dir)}`],
      true,
    );
    await client.send(SESSION);
    assert.equal(await client.closed(), REPLIES);
    assert.equal(await exited, 0);
    // ::1 has a name only where the hosts file gives it one.
    assert.match(
      withoutDate(recorded(dir)[0].stdin),
      /^Received: from client\.example \(([\w.-]+ )?\[::1\]\)\r\n\tby ([\w.-]+ )?\[::1\] \(msmtpd\)/,
    );
  } finally {
    removeDir(dir);
  }
});

test("msmtpd inetd socket: /proc/net/tcp addresses, IPv6 as glibc's inet_ntop writes it", () => {
  assert.deepEqual(procAddress("0100007F:0019", true), { hostname: "127.0.0.1", port: 25 });
  assert.deepEqual(procAddress("7F000001:0019", false), { hostname: "127.0.0.1", port: 25 });
  assert.deepEqual(procAddress("0000000000000000FFFF00000100007F:1F90", true), {
    hostname: "::ffff:127.0.0.1",
    port: 8080,
  });
  assert.equal(procAddress("xyz:0019"), null);
  // Addresses with zero runs of every length and place, checked against Python's inet_ntop
  // (glibc's).
  const addresses: number[][] = [];
  for (let mask = 0; mask < 256; mask++) {
    const words = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (mask >> i & 1 ? 0x1000 + i : 0));
    addresses.push(words.flatMap((w) => [w >> 8, w & 0xff]));
  }
  addresses.push([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1]); // IPv4-compatible
  addresses.push([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]); // IPv4-mapped
  addresses.push([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 10, 0, 0, 1]);
  const hex = addresses.map((a) => Buffer.from(a).toString("hex")).join(" ");
  const expected = execFileSync("python3", [
    "-c",
    "import socket,sys\nfor h in sys.argv[1:]: print(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(h)))",
    ...hex.split(" "),
  ], { encoding: "latin1" }).trimEnd().split("\n");
  assert.deepEqual(addresses.map(formatIPv6), expected);
});
