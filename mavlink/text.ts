/**
 * Strings from a drone (STATUSTEXT, parameter names, component names) are shown on a console, printed to a
 * terminal, logged and written to files: a control character in them could move a terminal's cursor, recolour
 * or hide a line (ESC [ …), end a log record early (CR, LF) or reorder text (bidi overrides). Each such
 * character becomes U+FFFD, so what was sent stays visible as "something was here".
 */
// C0 controls (tab included: a text field is one line), DEL, C1 controls, bidi embeddings/overrides/isolates.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function cleanText(s: string): string {
  return s.replace(CONTROL, '\ufffd');
}

export function hasControl(s: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(s);
  CONTROL.lastIndex = 0;
  return found;
}
