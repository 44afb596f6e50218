/**
 * The `Signature-Input` and `Signature` fields of RFC 9421 §4, as RFC 8941 dictionaries, parsed and
 * serialized with `structured-headers`. Only what our Ed25519 profile needs: covered components are
 * plain component names without parameters (`"@method"`, `"content-digest"`, ...).
 */
import {
  ByteSequence,
  isByteSequence,
  isInnerList,
  parseDictionary,
  serializeDictionary,
  type BareItem,
  type Dictionary,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import { base64Decode, base64Encode } from '../crypto/base64';

/** Signature parameters, serialized in the order their properties appear (RFC 9421 §2.3). */
export interface SignatureParams {
  created?: number;
  expires?: number;
  keyid?: string;
  alg?: string;
  nonce?: string;
  tag?: string;
}

/** One signature chosen from a request: its label, covered components, parameters and bytes. */
export interface ParsedSignature {
  label: string;
  components: string[];
  /** The signature's entry in `Signature-Input`, kept as received for the `@signature-params` line. */
  input: InnerList;
  params: Parameters;
  signature: Uint8Array;
}

/** Thrown when the fields are present but unusable; the message says why. */
export class SignatureFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureFieldError';
  }
}

export const PREFERRED_LABEL = 'sig1';

/** Decodes an RFC 8941 byte sequence strictly, tolerating only missing `=` padding (RFC 8941 §4.2.7). */
export function decodeByteSequence(value: ByteSequence): Uint8Array {
  const text = value.toBase64();
  return base64Decode(text.length % 4 === 0 ? text : text + '='.repeat(4 - (text.length % 4)));
}

/** The inner list `(<components>);<params>` for a new signature. */
export function signatureInputList(components: readonly string[], params: SignatureParams | Parameters): InnerList {
  const items = components.map((name): [BareItem, Parameters] => [name, new Map()]);
  return [items, params instanceof Map ? params : paramsMap(params)];
}

function paramsMap(params: SignatureParams): Parameters {
  const map: Parameters = new Map();
  for (const [key, value] of Object.entries(params) as [string, BareItem | undefined][]) {
    if (value !== undefined) map.set(key, value);
  }
  return map;
}

/** `Signature-Input` and `Signature` field values for one signature under `label`. */
export function serializeSignatureFields(label: string, input: InnerList, signature: Uint8Array) {
  return {
    signatureInput: serializeDictionary(new Map([[label, input]])),
    signature: serializeDictionary(new Map([[label, [new ByteSequence(base64Encode(signature)), new Map()]]])),
  };
}

function componentNames(input: InnerList): string[] {
  return input[0].map(([name, params]) => {
    if (typeof name !== 'string') throw new SignatureFieldError('covered components must be strings');
    if (params.size > 0) throw new SignatureFieldError(`component parameters are not supported ("${name}")`);
    return name;
  });
}

function chooseLabel(inputs: Dictionary): string {
  if (inputs.has(PREFERRED_LABEL)) return PREFERRED_LABEL;
  const first = inputs.keys().next();
  if (first.done === true) throw new SignatureFieldError('Signature-Input is empty');
  return first.value;
}

function signatureBytes(signatures: Dictionary, label: string): Uint8Array {
  const member = parseMember(signatures, label, 'Signature');
  if (isInnerList(member) || !isByteSequence(member[0])) {
    throw new SignatureFieldError(`Signature ${label} is not a byte sequence`);
  }
  return decodeByteSequence(member[0]);
}

function parseMember(dictionary: Dictionary, label: string, field: string): Item | InnerList {
  const member = dictionary.get(label);
  if (member === undefined) throw new SignatureFieldError(`${field} has no member ${label}`);
  return member;
}

function parseField(value: string, field: string): Dictionary {
  try {
    return parseDictionary(value);
  } catch (error) {
    throw new SignatureFieldError(`${field} is not a structured dictionary: ${(error as Error).message}`);
  }
}

/** Picks `sig1` if present, else the first signature, and returns it; throws {@link SignatureFieldError}. */
export function parseSignatureFields(signatureInput: string, signature: string): ParsedSignature {
  const inputs = parseField(signatureInput, 'Signature-Input');
  const signatures = parseField(signature, 'Signature');
  const label = chooseLabel(inputs);
  const input = parseMember(inputs, label, 'Signature-Input');
  if (!isInnerList(input)) throw new SignatureFieldError(`Signature-Input ${label} is not an inner list`);
  let bytes: Uint8Array;
  try {
    bytes = signatureBytes(signatures, label);
  } catch (error) {
    if (error instanceof SignatureFieldError) throw error;
    throw new SignatureFieldError(`Signature ${label} is not valid base64`);
  }
  return { label, components: componentNames(input), input, params: input[1], signature: bytes };
}
