// Start-up floor for scripts/bench.sh: the least a Deno program answering SMTP does, a bare
// Deno.listen loop that greets and does nothing else. Usage: deno run -A floor_deno.ts PORT
const greeting = new TextEncoder().encode("220 floor\r\n");
for await (const conn of Deno.listen({ hostname: "127.0.0.1", port: Number(Deno.args[0]) })) {
  conn.write(greeting).finally(() => conn.close());
}
