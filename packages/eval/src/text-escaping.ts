/**
 * Text that leaves the program, escaped for where it goes. Class and file
 * names come from someone else's folders and files: they may hold control
 * characters, terminal escapes or spreadsheet formulas.
 */

// XML 1.0 forbids C0 controls other than tab, LF and CR, U+FFFE/U+FFFF and lone surrogates; C1 controls are removed too.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text for an SVG element or attribute: characters XML cannot hold removed, markup characters escaped. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line break.
 * A field that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`,
 * tab or CR) is prefixed with `'` and quoted.
 */
export function csvField(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

// C0/C1 controls and DEL (terminal escapes), line separators, and the bidirectional marks and overrides that reorder what is shown.
const NOT_TERMINAL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/** Text for the terminal: control and bidirectional-override characters shown as escapes (`\x1b`, `\u202e`). */
export function terminalText(text: string): string {
  return text.replace(NOT_TERMINAL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
