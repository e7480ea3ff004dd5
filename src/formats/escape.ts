// Escaping for names that reach SVG and HTML. Frame names come from the target process (symbol
// tables, Lua chunk names, source paths) and are untrusted: they may hold markup, quotes, control
// characters, bidirectional overrides or be megabytes long. Everything rendered goes through here.

/** Longest name we render; a frame label longer than this helps nobody and costs everyone. */
const MAX_NAME = 512;

// C0 and C1 controls and DEL are invalid in XML 1.0 or invisible; bidi embeddings, overrides and
// isolates can make a name display as something it is not. Lone surrogates cannot be encoded.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces control and display-spoofing characters with U+FFFD and cuts the name to `max` code units. */
export function boundName(s: string, max = MAX_NAME): string {
  let out = s.length > max + 1 ? s.slice(0, max + 1) : s;
  out = out.replace(UNSAFE, '\ufffd');
  if (out.length <= max) return out;
  let cut = Math.max(0, max - 1);
  // Never split a surrogate pair: the half left behind would be an unencodable character.
  const c = out.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return out.slice(0, cut) + '…';
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value for XML (SVG). Does not bound: call boundName first for names. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

/** Text or attribute value for HTML. Does not bound: call boundName first for names. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/**
 * JSON that is safe inside an HTML <script> element: no "</script>", no "<!--", and no U+2028/9
 * (line terminators in older JavaScript). The result still parses as the same JSON.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
