// Writing to a terminal. Text that came from a target (names, strings, paths) may hold escape
// sequences or be huge; terminalSafe makes it inert and bounded before it reaches a screen.

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;

/** Replaces control characters (ESC, CSI, BEL, ...) with visible escapes and bounds the length. */
export function terminalSafe(text: string, max = 4096): string {
  let s = text.length > max ? text.slice(0, max) : text;
  s = s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (text.length > max) s += `… (${text.length} characters)`;
  return s;
}
