/** Local date and time the way the C and Go programs we imitate print them. */

/** `n` in decimal with leading zeros to `width` digits. */
export function zeroPad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * `YYYY-MM-DD HH:MM:SS` in local time (strftime `%F %T`), with `dateSeparator` between the
 * parts of the date (`/` for Go's log package).
 */
export function localDateTime(d: Date, dateSeparator = "-"): string {
  const s = dateSeparator;
  return `${d.getFullYear()}${s}${zeroPad(d.getMonth() + 1)}${s}${zeroPad(d.getDate())} ` +
    `${zeroPad(d.getHours())}:${zeroPad(d.getMinutes())}:${zeroPad(d.getSeconds())}`;
}
