// @ts-check
/**
 * The small part of the Actions runner protocol the action needs: inputs from `INPUT_*`, step
 * outputs and saved state appended to the files named by `GITHUB_OUTPUT` / `GITHUB_STATE`, state
 * read back from `STATE_*` in the post step, and workflow commands for errors and log groups.
 * No dependencies: the action ships unbundled.
 * @module
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, closeSync, fstatSync, openSync, readSync } from "node:fs";
import process from "node:process";

/**
 * An input as the runner passes it (`INPUT_<NAME>`, upper-cased, spaces as `_`, hyphens kept).
 * @param {string} name input name as written in action.yml
 * @param {string} fallback used when the input is unset or blank
 * @returns {string}
 */
export function getInput(name, fallback) {
  const value = process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`];
  return value === undefined || value.trim() === "" ? fallback : value.trim();
}

/**
 * Appends `name=value` to the runner file named by env var `fileVar`, using the heredoc form
 * for multi-line values; prints it instead when not running under a runner.
 * @param {"GITHUB_OUTPUT" | "GITHUB_STATE"} fileVar
 * @param {string} name
 * @param {string | number} value
 */
function appendKeyValue(fileVar, name, value) {
  const text = String(value);
  const file = process.env[fileVar];
  if (!file) {
    console.log(`${fileVar === "GITHUB_OUTPUT" ? "output" : "state"} ${name}=${text}`);
    return;
  }
  const delimiter = `ghadelimiter_${randomUUID()}`;
  appendFileSync(
    file,
    text.includes("\n") ? `${name}<<${delimiter}\n${text}\n${delimiter}\n` : `${name}=${text}\n`,
  );
}

/**
 * Sets a step output.
 * @param {string} name
 * @param {string | number} value
 */
export function setOutput(name, value) {
  appendKeyValue("GITHUB_OUTPUT", name, value);
}

/**
 * Saves a value for the post step (read back with {@link getState}).
 * @param {string} name
 * @param {string | number} value
 */
export function saveState(name, value) {
  appendKeyValue("GITHUB_STATE", name, value);
}

/**
 * A value saved by the main step; the runner passes it to the post step as `STATE_<name>`.
 * @param {string} name
 * @returns {string}
 */
export function getState(name) {
  return process.env[`STATE_${name}`] ?? "";
}

/**
 * Escapes text for a workflow command's data part.
 * @param {string} text
 */
function escapeData(text) {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * Reports an error annotation and marks the step failed.
 * @param {string} message
 */
export function fail(message) {
  console.log(`::error::${escapeData(message)}`);
  process.exitCode = 1;
}

/**
 * Prints `body` inside a collapsible log group.
 * @param {string} title
 * @param {string} body
 */
export function printGroup(title, body) {
  console.log(`::group::${escapeData(title)}`);
  console.log(body.endsWith("\n") ? body.slice(0, -1) : body);
  console.log("::endgroup::");
}

/** Longest log tail printed, so a chatty server cannot flood the job log. */
const MAX_LOG_BYTES = 1 << 20;

/**
 * Prints a file (its last MiB) inside a log group; says so when it cannot be read.
 * @param {string} title
 * @param {string} path
 */
export function printFileGroup(title, path) {
  let text;
  try {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, MAX_LOG_BYTES);
      const buf = new Uint8Array(length);
      readSync(fd, buf, 0, length, size - length);
      text = (size > length ? `[… first ${size - length} bytes omitted …]\n` : "") +
        new TextDecoder().decode(buf);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    text = `(cannot read ${path}: ${/** @type {Error} */ (err).message})`;
  }
  printGroup(title, text || "(empty)");
}
