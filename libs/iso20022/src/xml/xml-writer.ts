import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { NOT_XML_CHARACTERS } from './xml-characters';
import { Iso20022Schema, namespaceOf } from './xsd-schemas';

/**
 * A document as nested objects, in schema order: `@Ccy` is an attribute, `#` the text, an array repeats the element,
 * `@xmlns` the element's own namespace.
 */
export type XmlValue = string | XmlObject | readonly XmlValue[] | undefined;
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

/**
 * Serializes `<Document xmlns="urn:…"><messageElement>…` with xmlbuilder2, element by element (its object reader
 * decodes entities in the strings it is given, so it is not used). Absent (undefined) elements are left out.
 * Characters XML cannot carry become U+FFFD, and line ends are written as a parser reads them back (\r\n and \r as
 * \n). One element per line (so schema issues name a useful line), indented by `indent` (none keeps a
 * 1,000-transaction pacs.008 well under 1 MiB).
 */
export function renderIsoDocument(schema: Iso20022Schema, messageElement: string, message: XmlObject, indent = '  '): string {
  const document = create({ version: '1.0', encoding: 'UTF-8' }).ele(namespaceOf(schema), 'Document');
  append(document, messageElement, message);
  return document.end({ prettyPrint: true, indent });
}

function append(parent: XMLBuilder, name: string, value: XmlValue): void {
  if (value === undefined) return;
  if (isList(value)) {
    for (const item of value) append(parent, name, item);
    return;
  }
  // `@xmlns` puts the element (and its unprefixed descendants) in another namespace: a SplmtryData envelope's content.
  const namespace = typeof value === 'string' ? undefined : value['@xmlns'];
  const element = typeof namespace === 'string' ? parent.ele(namespace, name) : parent.ele(name);
  if (typeof value === 'string') {
    element.txt(textOf(value));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '@xmlns') continue;
    if (typeof item === 'string' && key === '#') element.txt(textOf(item));
    else if (typeof item === 'string' && key.startsWith('@')) element.att(key.slice(1), textOf(item));
    else append(element, key, item);
  }
}

function isList(value: XmlValue): value is readonly XmlValue[] {
  return Array.isArray(value);
}

/**
 * xmlbuilder2 (4.0.3, pinned) escapes <, > and " but leaves an & that starts something shaped like a reference
 * (`&name;`, `&#65;`) as it is, so `Tom &amp; Jerry` would read back as `Tom & Jerry` and `&x;` would not be
 * well-formed. Every & is made `&amp;` first, which it then leaves alone: text always reads back exactly as given
 * (the round-trip properties hold it to that).
 */
function textOf(value: string): string {
  return value.replace(NOT_XML_CHARACTERS, '\uFFFD').replace(/\r\n?/g, '\n').replace(/&/g, '&amp;');
}
