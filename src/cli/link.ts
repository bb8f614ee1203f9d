/**
 * `mocksmtp link DIR`: makes the binary answer to the persona names by symlinks
 * DIR/smtpmock, DIR/mockmta and DIR/msmtpd → this executable (what the Ruby gem's install
 * check looks for). Run as a script, it writes small wrapper scripts instead, since a symlink
 * to a runtime would start the runtime, not mocksmtp. Exit: 0 done, 1 failure, 2 usage.
 */
import { chmod, lstat, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import type { ProgramIO } from "./io.ts";
import { isCompiled } from "./invoked.ts";
import { LINKED_PERSONAS } from "./personas.ts";

export async function link(argv: string[], io: ProgramIO): Promise<number> {
  if (argv.length !== 1 || argv[0].startsWith("-")) {
    io.stderr("usage: mocksmtp link DIR\n");
    return 2;
  }
  const dir = path.resolve(argv[0]);
  const windows = process.platform === "win32";
  try {
    await mkdir(dir, { recursive: true });
    for (const name of LINKED_PERSONAS) {
      const target = path.join(dir, windows ? `${name}.exe` : name);
      await lstat(target).then(() => rm(target), () => {});
      if (isCompiled(process.execPath)) {
        await symlink(process.execPath, target);
      } else {
        const cli = path.resolve(import.meta.dirname ?? ".", "..", "..", "cli.ts");
        const run = /bun/i.test(path.basename(process.execPath)) ? "run" : "run -A";
        await writeFile(
          target,
          `#!/bin/sh\nexec "${process.execPath}" ${run} "${cli}" ${name} "$@"\n`,
        );
        await chmod(target, 0o755);
      }
      io.stdout(`${target}\n`);
    }
    return 0;
  } catch (e) {
    io.stderr(`mocksmtp: link: ${(e as Error).message}\n`);
    return 1;
  }
}
