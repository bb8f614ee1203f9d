// Start-up floor for scripts/bench.sh: the least a Bun program answering SMTP does, a bare
// node:net listener that greets and does nothing else. Usage: bun floor_bun.mjs PORT
import net from "node:net";
import process from "node:process";

net.createServer((s) => s.end("220 floor\r\n")).listen(Number(process.argv[2]), "127.0.0.1");
