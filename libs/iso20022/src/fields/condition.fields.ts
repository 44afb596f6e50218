import { XMLParser } from 'fast-xml-parser';
import { conditionHashSchema } from '@nostro/shared';
import type { XmlElement } from '../xml/xml-reader';
import { XML_DEPTH_MAX } from '../xml/xml-guard';
import { refuse } from '../xml/xml-refused.error';
import type { XmlObject } from '../xml/xml-writer';

/** Nostro's supplementary data envelope for a hash-lock (docs/iso20022.md "Conditional payments"). */
export const CONDITION_NAMESPACE = 'urn:nostro:condition:1';
/** The `PlcAndNm` Nostro writes on it, and which, when sent, says the envelope must be Nostro's `Cond`. */
export const CONDITION_PLACE = 'CdtTrfTxInf/Condition';

/**
 * A CdtTrfTxInf's hash-lock, from `SplmtryData/Envlp/Cond` in {@link CONDITION_NAMESPACE}, as the API's condition:
 * `SHA256`, the preimage's SHA-256 as 64 lower-case hex digits, and `XpryDtTm` (an ISODateTime with Z or an offset).
 * Read as sent: {@link checkCondition} judges it, so that one bad condition refuses its transaction, not the message.
 */
export interface PaymentCondition {
  /** Tp, as sent (trimmed): only `SHA256` is known. */
  type: string;
  /** Hash, as sent (trimmed). */
  hash: string;
  /** XpryDtTm, as sent (trimmed). */
  expiresAt: string;
  /** The Cond element's path, for a refusal that names a field (`…/Cond/Hash`). */
  path: string;
}

const FIELDS = ['Tp', 'Hash', 'XpryDtTm'] as const;
type Field = (typeof FIELDS)[number];
/** ISODateTime with a zone, as the JSON API's RFC 3339 `expiresAt` (a time without a zone names no instant). */
const DATE_TIME =
  /^([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]))T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])$/;

/**
 * Envlp is kept raw by the reader (its content is any XML): read here with its prefixes, to know its namespace. Its
 * text is a piece of a message guardXml already accepted (no DTD, no declaration, no entity but the predefined ones
 * and character references), so the entity settings below decode exactly what the reader's parser decodes.
 */
const ENVELOPE_PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: XML_DEPTH_MAX,
});

type Node = Record<string, unknown>;
interface Named {
  name: string;
  local: string;
  namespace: string | undefined;
  children: Node[];
  scope: Map<string, string>;
}

/**
 * The transaction's condition, if one of its SplmtryData carries Nostro's envelope; other envelopes are left alone.
 * Refuses (XmlRefusedError naming the element) two conditions, a `PlcAndNm` of {@link CONDITION_PLACE} over another
 * envelope, and a Cond whose fields are missing, repeated or unknown.
 */
export function readCondition(transaction: XmlElement): { condition?: PaymentCondition } {
  let found: PaymentCondition | undefined;
  for (const data of transaction.children('SplmtryData')) {
    const envelope = data.required('Envlp');
    const element = envelopeElement(envelope);
    const ours = element?.namespace === CONDITION_NAMESPACE && element.local === 'Cond';
    // A Cond whose prefix is bound outside the envelope cannot be told from Nostro's: refused, not paid unconditionally.
    // (An unprefixed one without xmlns is in the message's own namespace: not Nostro's.)
    if (element?.local === 'Cond' && element.name !== 'Cond' && element.namespace === undefined)
      refuse(envelope.path, `declare ${CONDITION_NAMESPACE} on the Cond it holds`);
    if (!ours) {
      if (data.textAt('PlcAndNm')?.trim() === CONDITION_PLACE)
        refuse(`${envelope.path}`, `a ${CONDITION_PLACE} envelope must be a Cond in ${CONDITION_NAMESPACE}`);
      continue;
    }
    const path = `${envelope.path}/Cond`;
    if (found) refuse(path, 'a transaction carries one condition at most');
    found = { ...condFields(element, path), path };
  }
  return found ? { condition: found } : {};
}

/** The one element an Envlp holds (the schema's xs:any), with its namespace if declared inside the envelope. */
function envelopeElement(envelope: XmlElement): Named | undefined {
  const nodes = ENVELOPE_PARSER.parse(envelope.text()) as Node[];
  const elements = nodes.filter((node) => !('#text' in node));
  return elements.length === 1 ? named(elements[0] as Node, new Map()) : undefined;
}

function named(node: Node, parentScope: Map<string, string>): Named {
  const name = Object.keys(node).find((key) => key !== ':@') ?? '';
  const scope = new Map(parentScope);
  for (const [attribute, value] of Object.entries((node[':@'] ?? {}) as Record<string, string>)) {
    if (attribute === '@xmlns') scope.set('', value);
    else if (attribute.startsWith('@xmlns:')) scope.set(attribute.slice('@xmlns:'.length), value);
  }
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  return { name, local: name.slice(colon + 1), namespace: scope.get(prefix), children: (node[name] ?? []) as Node[], scope };
}

function condFields(cond: Named, path: string): Omit<PaymentCondition, 'path'> {
  const values = new Map<Field, string>();
  for (const node of cond.children) {
    if ('#text' in node) {
      if (String(node['#text']).trim() !== '') refuse(path, 'holds elements only');
      continue;
    }
    const child = named(node, cond.scope);
    const field = FIELDS.find((f) => f === child.local);
    if (child.namespace !== CONDITION_NAMESPACE || field === undefined)
      refuse(`${path}/${child.local}`, `is not a field of a condition (${FIELDS.join(', ')})`);
    if (values.has(field)) refuse(`${path}/${field}`, 'is repeated');
    values.set(field, textOf(child, `${path}/${field}`));
  }
  const value = (field: Field): string => values.get(field) ?? refuse(`${path}/${field}`, 'is required here');
  return { type: value('Tp'), hash: value('Hash'), expiresAt: value('XpryDtTm') };
}

function textOf(element: Named, path: string): string {
  if (element.children.some((node) => !('#text' in node))) refuse(path, 'holds text only');
  return element.children
    .map((node) => String(node['#text']))
    .join('')
    .trim();
}

/**
 * The condition as the JSON API takes it (`{ type: 'sha256', hash, expiresAt }`), its form checked: Tp `SHA256`, Hash
 * 64 lower-case hex digits, XpryDtTm a date and time with a zone. Refuses (XmlRefusedError naming the field) anything
 * else; whether the time lies within the API's bounds is the caller's to judge, against its clock.
 */
export function checkCondition(c: PaymentCondition): { type: 'sha256'; hash: string; expiresAt: string } {
  if (c.type !== 'SHA256') refuse(`${c.path}/Tp`, `${c.type} is not a known condition type (SHA256)`);
  if (!conditionHashSchema.safeParse(c.hash).success) refuse(`${c.path}/Hash`, 'must be a SHA-256 hash as 64 lower-case hex digits');
  const day = DATE_TIME.exec(c.expiresAt)?.[1];
  // Date.parse rolls 30 February over into March: the date must read back as itself.
  if (day === undefined || new Date(Date.parse(`${day}T00:00:00Z`)).toISOString().slice(0, 10) !== day) {
    refuse(`${c.path}/XpryDtTm`, `${c.expiresAt} is not a date and time with Z or an offset`);
  }
  return { type: 'sha256', hash: c.hash, expiresAt: c.expiresAt };
}

/** The SplmtryData a builder writes for a condition (type `sha256` is written `SHA256`). */
export function conditionXml(c: { type: string; hash: string; expiresAt: string }): XmlObject {
  return {
    PlcAndNm: CONDITION_PLACE,
    Envlp: { Cond: { '@xmlns': CONDITION_NAMESPACE, Tp: c.type === 'sha256' ? 'SHA256' : c.type, Hash: c.hash, XpryDtTm: c.expiresAt } },
  };
}
