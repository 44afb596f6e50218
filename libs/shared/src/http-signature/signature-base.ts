/**
 * The signature base of RFC 9421 §2.5 for our profile: derived components `@method` and `@target-uri`,
 * and HTTP fields by lowercase name. Each covered component gives one line `"<name>": <value>` ending in
 * LF, and the last line is `"@signature-params": <the inner list serialized per RFC 8941>`.
 */
import { serializeInnerList, serializeString, type InnerList, type Parameters } from 'structured-headers';
import { headerValue, type HeaderFields } from './header-fields';
import { signatureInputList, type SignatureParams } from './signature-fields';

/** The parts of a request that a signature can cover. `targetUri` is the absolute URI the client used. */
export interface SignatureBaseRequest {
  method: string;
  targetUri: string;
  headers: HeaderFields;
}

/** Thrown when a covered component cannot be put in a signature base (absent, unsupported, duplicated). */
export class SignatureBaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureBaseError';
  }
}

const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const SIGNATURE_PARAMS = '@signature-params';

function derivedValue(name: string, request: SignatureBaseRequest): string {
  if (name === '@method') return request.method;
  if (name === '@target-uri') return request.targetUri;
  throw new SignatureBaseError(`derived component ${name} is not supported`);
}

function fieldValue(name: string, request: SignatureBaseRequest): string {
  if (!FIELD_NAME.test(name)) throw new SignatureBaseError(`component ${JSON.stringify(name)} is not a lowercase field name`);
  const value = headerValue(request.headers, name);
  if (value === undefined) throw new SignatureBaseError(`covered field ${name} is absent`);
  return value;
}

function componentLine(name: string, request: SignatureBaseRequest): string {
  const value = name.startsWith('@') ? derivedValue(name, request) : fieldValue(name, request);
  if (/[\r\n]/.test(value)) throw new SignatureBaseError(`component ${name} contains a line break`);
  return `${serializeString(name)}: ${value}\n`;
}

/** The signature base for a signature whose `Signature-Input` member is `input` (as sent or received). */
export function signatureBaseForInput(input: InnerList, request: SignatureBaseRequest): string {
  const seen = new Set<string>();
  let base = '';
  for (const [name] of input[0]) {
    if (typeof name !== 'string') throw new SignatureBaseError('covered components must be strings');
    if (name === SIGNATURE_PARAMS) throw new SignatureBaseError(`${SIGNATURE_PARAMS} cannot be covered`);
    if (seen.has(name)) throw new SignatureBaseError(`component ${name} is covered twice`);
    seen.add(name);
    base += componentLine(name, request);
  }
  return `${base}${serializeString(SIGNATURE_PARAMS)}: ${serializeInnerList(input)}`;
}

/** The signature base for `components` and `params` (parameters serialized in the order given). */
export function signatureBase(components: readonly string[], params: SignatureParams | Parameters, request: SignatureBaseRequest): string {
  return signatureBaseForInput(signatureInputList(components, params), request);
}
