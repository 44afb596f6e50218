/**
 * Case-insensitive access to HTTP header fields given as a plain record, as Node's
 * `IncomingHttpHeaders`, Fastify and our own clients produce them.
 */

/** Header fields by name (any case); a field sent on several lines may be an array of values. */
export type HeaderFields = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * The value of a field per RFC 9421 §2.1: every line's value trimmed, lines joined with ", ".
 * Undefined when the field is absent.
 */
export function headerValue(headers: HeaderFields, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const lines: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (Array.isArray(value)) lines.push(...(value as readonly string[]));
    else lines.push(String(value));
  }
  if (lines.length === 0) return undefined;
  return lines.map((line) => line.trim()).join(', ');
}

/** True when the field is present (with any value, even empty). */
export function hasHeader(headers: HeaderFields, name: string): boolean {
  return headerValue(headers, name) !== undefined;
}

/** A copy of `headers` without the field `name` (any case). */
export function withoutHeader(headers: HeaderFields, name: string): HeaderFields {
  const wanted = name.toLowerCase();
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== wanted));
}
