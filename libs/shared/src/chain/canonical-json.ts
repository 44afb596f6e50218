/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), through the `canonicalize` package.
 *
 * `canonicalize` silently drops `undefined` members, turns `undefined` array items into `null`, and
 * would serialise a Map or a class instance as `{}`. Anything that hashes or signs JSON must not change
 * meaning silently, so the input is checked first: only JSON values (null, booleans, finite numbers,
 * well-formed strings, arrays, plain objects, and objects with `toJSON`) are accepted. Amounts held as
 * bigint must be converted to decimal strings by the caller.
 */
import canonicalize from 'canonicalize';

/** Thrown for a value that has no faithful JSON representation. `path` is a JSON-pointer-like location. */
export class CanonicalJsonError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`cannot canonicalize ${path === '' ? 'value' : path}: ${problem}`);
    this.name = 'CanonicalJsonError';
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_DEPTH = 64;

function checkPrimitive(value: unknown, path: string): void {
  switch (typeof value) {
    case 'undefined':
      throw new CanonicalJsonError(path, 'undefined is not JSON');
    case 'bigint':
      throw new CanonicalJsonError(path, 'bigint is not JSON; convert it to a decimal string first');
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `${String(value)} is not JSON`);
      return;
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError(path, 'string contains a lone surrogate');
      return;
    case 'boolean':
      return;
    default:
      throw new CanonicalJsonError(path, `${typeof value} is not JSON`);
  }
}

function hasToJson(value: object): value is { toJSON: () => unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function checkValue(value: unknown, path: string, depth: number): void {
  if (value === null) return;
  if (typeof value !== 'object') return checkPrimitive(value, path);
  if (depth > MAX_DEPTH) throw new CanonicalJsonError(path, `nested deeper than ${MAX_DEPTH}`);
  if (hasToJson(value)) return checkValue(value.toJSON(), path, depth + 1);
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkValue(item, `${path}/${index}`, depth + 1));
    return;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalJsonError(path, 'only plain objects and arrays are JSON');
  }
  for (const [key, member] of Object.entries(value)) {
    checkPrimitive(key, `${path}/${key}`);
    checkValue(member, `${path}/${key}`, depth + 1);
  }
}

/** The RFC 8785 canonical JSON text of `value`; throws {@link CanonicalJsonError} for non-JSON input. */
export function canonicalJson(value: unknown): string {
  checkValue(value, '', 0);
  const text = canonicalize(value);
  if (text === undefined) throw new CanonicalJsonError('', 'value has no JSON representation');
  return text;
}
