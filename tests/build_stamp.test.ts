// `smtpmock -v` names the build (spec smtpmock.md §2.3, go-smtp-mock's ldflags): scripts/compile.sh
// stamps the commit and the UTC build time into the binary; run from source, the lines are
// go-smtp-mock's without ldflags. The working tree is not modified by a build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { ROOT, scriptCommand } from "./helpers/cli.ts";
import { runProcess } from "./helpers/process.ts";

/** HEAD of the checkout the test runs in, or null outside a git checkout. */
async function gitHead(): Promise<string | null> {
  const r = await runProcess("git", ["rev-parse", "HEAD"], { cwd: ROOT }).catch(() => null);
  return r?.code === 0 ? r.stdout.trim() : null;
}

test("build stamp: a binary from scripts/compile.sh prints its commit and build time", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "mocksmtp-stamp-test-"));
  try {
    const buildInfo = path.join(ROOT, "src", "build_info.ts");
    const sourceBefore = await readFile(buildInfo, "utf8");
    const bin = path.join(dir, "mocksmtp");
    const build = await runProcess("bash", ["scripts/compile.sh", "--bun", bin], {
      cwd: ROOT,
      // 2023-11-14T22:13:20Z: a fixed build time, as reproducible builds set it.
      env: { ...process.env, SOURCE_DATE_EPOCH: "1700000000" },
    });
    assert.equal(build.code, 0, build.stderr);
    assert.equal(await readFile(buildInfo, "utf8"), sourceBefore, "working tree untouched");

    // Under a persona's name, as the Ruby gem calls it.
    await symlink(bin, path.join(dir, "smtpmock"));
    const r = await runProcess(path.join(dir, "smtpmock"), ["-v"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[0], /^smtpmock: \d+\.\d+\.\d+$/);
    const head = await gitHead();
    if (head) assert.match(lines[1], new RegExp(`^commit: ${head}(-dirty)?$`));
    else assert.equal(lines[1], "commit: unknown-commit");
    assert.equal(lines[2], "built at: 2023-11-14T22:13:20Z");
    assert.equal(lines.length, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("build stamp: run from source, -v prints go-smtp-mock's lines without ldflags", async () => {
  const [cmd, args] = scriptCommand(path.join(ROOT, "cli.ts"), ["smtpmock", "-v"]);
  const r = await runProcess(cmd, args, { cwd: ROOT });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^smtpmock: \S+\ncommit: unknown-commit\nbuilt at: unknown-buildtime\n$/);
});
