import { XMLParser } from 'fast-xml-parser';
import { guardXml, XML_BYTES_MAX, XML_DEPTH_MAX } from './xml-guard';
import { refuse } from './xml-refused.error';

type RawElement = Record<string, unknown>;

/**
 * Every element becomes an array of objects (so repeated and single elements read alike), text is kept exactly
 * (no trimming, no number conversion: amounts stay the decimal strings that were sent), namespace prefixes are
 * dropped. Entities: only the predefined ones and character references can reach it (guardXml refuses the rest
 * and every DTD first); `htmlEntities` is what makes it decode character references such as &#233;.
 */
const PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  alwaysCreateTextNode: true,
  isArray: (_name: string, _path: unknown, _isLeaf: boolean, isAttribute: boolean) => !isAttribute,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: XML_DEPTH_MAX,
  // A SplmtryData envelope holds any XML, whose namespace is what says what it is: kept raw for readCondition.
  stopNodes: ['*.SplmtryData.Envlp'],
});

/** A parsed element with the path it was found at, for issues that name it. */
export class XmlElement {
  constructor(
    private readonly raw: RawElement,
    readonly path: string,
  ) {}

  child(name: string): XmlElement | undefined {
    return this.children(name, false)[0];
  }

  /** The elements named `name` directly under this one, in document order (indexed in their paths when `indexed`). */
  children(name: string, indexed = true): XmlElement[] {
    const list = Object.hasOwn(this.raw, name) ? this.raw[name] : undefined;
    if (!Array.isArray(list)) return [];
    const prefix = this.path === '' ? '' : `${this.path}/`;
    return list.map((raw: RawElement, index) => new XmlElement(raw, `${prefix}${name}${indexed ? `[${index}]` : ''}`));
  }

  /** The element at a path below this one (`child('PmtId', 'TxId')`), if every step is there. */
  at(...names: string[]): XmlElement | undefined {
    return names.reduce<XmlElement | undefined>((element, name) => element?.child(name), this);
  }

  required(...names: string[]): XmlElement {
    return this.at(...names) ?? refuse(`${this.path}/${names.join('/')}`, 'is required here');
  }

  /** The element's own text, exactly as sent. */
  text(): string {
    const text = this.raw['#text'];
    return typeof text === 'string' ? text : '';
  }

  /** The text at a path below this one, if the element is there. */
  textAt(...names: string[]): string | undefined {
    return this.at(...names)?.text();
  }

  requiredText(...names: string[]): string {
    return this.required(...names).text();
  }

  /** The same element, its issues named from `path` (paths start at the message element). */
  renamed(path: string): XmlElement {
    return new XmlElement(this.raw, path);
  }

  attribute(name: string): string | undefined {
    const value = this.raw[`@${name}`];
    return typeof value === 'string' ? value : undefined;
  }
}

/**
 * Guards the text (guardXml, up to `maxBytes`), parses it, and returns the message element under Document (`FIToFICstmrCdtTrf`, …).
 * Meant for documents checkInbound accepted; without that, a document the schema would refuse may still be read.
 */
export function readIsoMessage(xml: string, messageElement: string, maxBytes = XML_BYTES_MAX): XmlElement {
  guardXml(xml, { maxBytes });
  const document = new XmlElement(PARSER.parse(xml) as RawElement, '').child('Document') ?? refuse('Document', 'the root element must be Document');
  const message = document.at(messageElement) ?? refuse(`Document/${messageElement}`, `expected a ${messageElement} message`);
  return message.renamed(messageElement);
}

/** Recalls, their answers and returns name one payment each. */
export function onlyTransaction(transactions: XmlElement[], path: string): XmlElement {
  if (transactions.length !== 1) refuse(path, `exactly one transaction per message, not ${transactions.length}`);
  return transactions[0] as XmlElement;
}
