// The runtime transports under hostile conditions (issue 14, items 4–6): clients that reset the
// connection while it waits to be accepted or right after their final dot, and a server that
// runs out of file descriptors. Real sockets, real processes; same file on Deno and Bun.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { SmtpmockServer } from "../src/api/smtpmock.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { within } from "./helpers/smtpmock_probe.ts";

/**
 * Python clients that each connect, send `data` (may be empty) and reset the connection
 * (SO_LINGER 0, then close), one after the other; argv: port, count, data.
 */
const RESETTING_CLIENTS = `
import socket, struct, sys
port, count, data = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if data:
        s.sendall(data)
    s.close()
`;

/**
 * Runs {@link RESETTING_CLIENTS} synchronously: the server in this process cannot run meanwhile,
 * so every connection is queued by the kernel and reset before the runtime accepts it. `count`
 * stays below the listen backlog (511 on Deno, 512 on Bun), or connect would block.
 */
function resetWhileQueued(port: number, count: number, data = ""): void {
  const r = spawnSync("python3", ["-c", RESETTING_CLIENTS, String(port), String(count), data]);
  assert.equal(r.status, 0, String(r.stderr));
}

test("transport: 200 clients reset while queued do not delay the next client's greeting", async () => {
  const logged: string[] = [];
  const server = await SmtpmockServer.start({
    logger: { error: (m) => logged.push(m), warning: (m) => logged.push(m) },
  });
  try {
    resetWhileQueued(server.port, 200);
    const c = await RawClient.connect(server.port);
    try {
      // Deno's accept throws NotConnected for each of the 200; the old 50 ms pause after each
      // made this greeting wait 10 s. A normal greeting takes milliseconds: 2 s is generous
      // for a loaded machine and still far below 10 s.
      assert.equal(await within(2000, c.readLine(), "greeting"), "220 Welcome\r\n");
    } finally {
      c.close();
    }
    assert.deepEqual(logged.filter((m) => /accept|descriptor/.test(m)), [], "no back-off logged");
  } finally {
    await server.stop({ force: true });
  }
});
