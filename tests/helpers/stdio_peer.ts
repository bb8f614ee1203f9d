/**
 * Child process for the stdio transport tests: speaks a tiny line protocol on stdin/stdout
 * through stdioConn(). Certificate PEMs come in the environment (MOCKSMTP_TEST_CERT/KEY).
 *
 *   S: 220 hi      C: STARTTLS → 220 go + handshake      C: QUIT → 221 bye, close
 *   C: anything else → 250 <it>        EOF → close (the exit status tells it went well)
 */
import process from "node:process";
import { stdioConn } from "../../src/net/stdio.ts";
import type { Conn } from "../../src/net/types.ts";
import { bytes, wireLines } from "./lines.ts";

const plain = stdioConn();
let conn: Conn = plain;
let lines = wireLines(conn);
await conn.write(bytes("220 hi\r\n"));
for (;;) {
  const line = await lines.next();
  if (line === null) {
    process.stderr.write("peer: eof\n");
    break;
  }
  if (line === "STARTTLS\r\n") {
    await conn.write(bytes("220 go\r\n"));
    conn = await plain.startTls!({
      cert: process.env.MOCKSMTP_TEST_CERT!,
      key: process.env.MOCKSMTP_TEST_KEY!,
    });
    lines = wireLines(conn); // plaintext read before the handshake is dropped with the old reader
  } else if (line === "QUIT\r\n") {
    await conn.write(bytes("221 bye\r\n"));
    break;
  } else {
    await conn.write(bytes(`250 ${line}`));
  }
}
conn.close();
