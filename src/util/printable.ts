/**
 * What mqbench prints that echoes user input (an --out path, a --broker name, a workload file's
 * value) goes to a terminal: a control character in it would be obeyed, not shown (ESC [2J clears
 * the screen, ESC ] 8 makes a link, CR overwrites the line, U+202E reverses what follows). Escaped
 * here, in a form that is also valid inside a JSON string, so escaping a JSON document keeps it JSON.
 */

/** C0 controls, DEL, C1 controls, and the invisible or reordering format characters (bidi, zero width, BOM). */
const unprintable = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
/** The same, but line feeds and tabs stay: the layout of a multi-line text. */
const unprintableInText = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

const named: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escaped(char: string): string {
  return named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One line as it may be printed: every control and format character written as an escape (\n, \u001b). */
export function printable(text: string): string {
  return text.replace(unprintable, escaped);
}

/** A multi-line text (a summary, a report's list of files) as it may be printed: its line feeds and tabs kept. */
export function printableText(text: string): string {
  return text.replace(unprintableInText, escaped);
}
