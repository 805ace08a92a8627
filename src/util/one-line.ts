/** Messages that stay on one line whatever a file put in them. Core-safe. */

/**
 * `text` with every control character (C0, DEL, C1, and the Unicode line and paragraph separators) written as an
 * escape (`\n`, `\t`, `\x1b`, `\u2028`), so that a name taken from a model file can neither break an error message
 * over several lines nor drive the terminal.
 */
export function oneLineText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    if (named[c]) return named[c];
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}
