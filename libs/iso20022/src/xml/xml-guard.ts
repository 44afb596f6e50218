import { isXmlCharacter, NOT_XML_CHARACTER } from './xml-characters';
import { XmlIssue, XmlRefusedError } from './xml-refused.error';

/** API.md: an ISO 20022 request body may be up to 1 MiB. */
export const XML_BYTES_MAX = 1024 * 1024;
/** What the gateway writes may be larger (a long statement): validateXml and parseCamt053 accept up to this. */
export const XML_OUTGOING_BYTES_MAX = 16 * 1024 * 1024;
/** The deepest ISO 20022 path we read is about 15 elements; anything past this is an attack or a mistake. */
export const XML_DEPTH_MAX = 64;

/**
 * Refuses, in one linear pass and before any parser sees the text, whatever could make a parser do harm or that is
 * not plain well-formed XML: any DOCTYPE/DTD or other markup declaration (so no ENTITY, no XXE with file:// or
 * http://, no billion laughs), entity references other than the five predefined ones and character references,
 * processing instructions other than the XML declaration, an encoding other than UTF-8, more than `maxBytes`,
 * nesting deeper than XML_DEPTH_MAX, characters XML forbids, and broken tag structure. Never opens a file or a
 * connection: it only reads the string. xmllint (validateXml) checks the finer points of well-formedness.
 */
export function guardXml(xml: string, options: { maxBytes?: number } = {}): void {
  const issue = firstProblem(xml, options.maxBytes ?? XML_BYTES_MAX);
  if (issue !== undefined) throw new XmlRefusedError([issue]);
}

function firstProblem(xml: unknown, maxBytes: number): XmlIssue | undefined {
  if (typeof xml !== 'string') return { path: 'document', message: 'the document must be text' };
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) {
    return { path: 'document', message: `the document is larger than ${maxBytes} bytes` };
  }
  return checkCharacters(xml) ?? new MarkupScanner(xml).scan();
}

function checkCharacters(xml: string): XmlIssue | undefined {
  const found = NOT_XML_CHARACTER.exec(xml);
  if (found === null) return undefined;
  const code = (found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return { path: lineOf(xml, found.index), message: `character U+${code} is not allowed in XML` };
}

function lineOf(xml: string, index: number): string {
  let line = 1;
  for (let at = xml.indexOf('\n'); at !== -1 && at < index; at = xml.indexOf('\n', at + 1)) line += 1;
  return `line ${line}`;
}

const DECLARATION = /<\?xml((?:\s+[A-Za-z]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*)\s*\?>/y;
const PSEUDO_ATTRIBUTE = /([A-Za-z]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const START_TAG = /<([^\s<>/!?="'&]+)((?:\s+[^\s<>/="'&]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const END_TAG = /<\/([^\s<>/!?="'&]+)\s*>/y;
const REFERENCE = /&(?:(?:amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;

/** One pass over the markup: declarations, comments, CDATA, tags and the references in text and attribute values. */
class MarkupScanner {
  private position = 0;
  private readonly open: string[] = [];
  private rootSeen = false;

  constructor(private readonly xml: string) {}

  scan(): XmlIssue | undefined {
    if (this.xml.startsWith('\uFEFF')) this.position = 1;
    const declarationIssue = this.declaration();
    if (declarationIssue !== undefined) return declarationIssue;
    for (;;) {
      const lt = this.xml.indexOf('<', this.position);
      const textIssue = this.text(this.position, lt === -1 ? this.xml.length : lt);
      if (textIssue !== undefined) return textIssue;
      if (lt === -1) return this.end();
      const issue = this.markup(lt);
      if (issue !== undefined) return issue;
    }
  }

  private declaration(): XmlIssue | undefined {
    if (!/^<\?xml[\s?]/.test(this.xml.slice(this.position, this.position + 6))) return undefined;
    DECLARATION.lastIndex = this.position;
    const match = DECLARATION.exec(this.xml);
    if (match === null) return this.issue(this.position, 'malformed XML declaration');
    const fields = new Map([...(match[1] ?? '').matchAll(PSEUDO_ATTRIBUTE)].map((m) => [m[1] ?? '', m[2] ?? m[3] ?? '']));
    this.position = DECLARATION.lastIndex;
    if (fields.get('version') !== '1.0') return this.issue(0, 'only XML version 1.0 is accepted');
    const encoding = fields.get('encoding');
    if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8') return this.issue(0, `encoding ${encoding} is refused: only UTF-8 is accepted`);
    const unknown = [...fields.keys()].find((name) => !['version', 'encoding', 'standalone'].includes(name));
    return unknown === undefined ? undefined : this.issue(0, `malformed XML declaration: ${unknown}`);
  }

  private markup(lt: number): XmlIssue | undefined {
    const xml = this.xml;
    if (xml.startsWith('<!--', lt)) return this.skipPast('-->', lt + 4, lt, 'unclosed comment');
    if (xml.startsWith('<![CDATA[', lt)) {
      if (this.open.length === 0) return this.issue(lt, 'CDATA outside the root element');
      return this.skipPast(']]>', lt + 9, lt, 'unclosed CDATA section');
    }
    if (xml.startsWith('<!', lt)) return this.issue(lt, declarationRefusal(xml.slice(lt + 2, lt + 10)));
    if (xml.startsWith('<?', lt)) return this.issue(lt, 'processing instructions are not accepted (only the XML declaration, first)');
    if (xml.startsWith('</', lt)) return this.endTag(lt);
    return this.startTag(lt);
  }

  private skipPast(terminator: string, from: number, lt: number, message: string): XmlIssue | undefined {
    const at = this.xml.indexOf(terminator, from);
    if (at === -1) return this.issue(lt, message);
    this.position = at + terminator.length;
    return undefined;
  }

  private startTag(lt: number): XmlIssue | undefined {
    START_TAG.lastIndex = lt;
    const match = START_TAG.exec(this.xml);
    if (match === null) return this.issue(lt, 'malformed start tag');
    const [, name = '', attributes = '', selfClosing] = match;
    if (this.rootSeen && this.open.length === 0) return this.issue(lt, `content after the root element: <${name}>`);
    const referenceIssue = this.references(attributes, lt + 1 + name.length);
    if (referenceIssue !== undefined) return referenceIssue;
    this.position = START_TAG.lastIndex;
    this.rootSeen = true;
    if (selfClosing === '/') return undefined;
    this.open.push(name);
    return this.open.length > XML_DEPTH_MAX ? this.issue(lt, `elements nested deeper than ${XML_DEPTH_MAX} levels`) : undefined;
  }

  private endTag(lt: number): XmlIssue | undefined {
    END_TAG.lastIndex = lt;
    const match = END_TAG.exec(this.xml);
    if (match === null) return this.issue(lt, 'malformed end tag');
    const expected = this.open.pop();
    if (expected !== match[1])
      return this.issue(lt, expected === undefined ? `end tag </${match[1]}> without a start tag` : `end tag </${match[1]}> does not close <${expected}>`);
    this.position = END_TAG.lastIndex;
    return undefined;
  }

  private text(from: number, to: number): XmlIssue | undefined {
    this.position = to;
    if (this.open.length > 0) return this.references(this.xml.slice(from, to), from);
    return /^\s*$/.test(this.xml.slice(from, to)) ? undefined : this.issue(from, 'text outside the root element');
  }

  /** Only the predefined entities and character references of allowed characters: there is no DTD to define others. */
  private references(text: string, offset: number): XmlIssue | undefined {
    for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) {
      REFERENCE.lastIndex = at;
      const match = REFERENCE.exec(text);
      if (match === null) return this.issue(offset + at, 'entity references other than &amp; &lt; &gt; &quot; &apos; are not accepted (no DTD)');
      const codePoint = match[1] !== undefined ? Number.parseInt(match[1], 10) : match[2] !== undefined ? Number.parseInt(match[2], 16) : 0x20;
      if (!isXmlCharacter(codePoint)) return this.issue(offset + at, `character reference ${match[0]} is not an allowed XML character`);
    }
    return undefined;
  }

  private end(): XmlIssue | undefined {
    const unclosed = this.open.at(-1);
    if (unclosed !== undefined) return this.issue(this.xml.length, `element <${unclosed}> is not closed`);
    return this.rootSeen ? undefined : this.issue(0, 'no root element');
  }

  private issue(index: number, message: string): XmlIssue {
    return { path: lineOf(this.xml, index), message };
  }
}

function declarationRefusal(keyword: string): string {
  if (/^DOCTYPE/i.test(keyword)) return 'DOCTYPE declarations are not accepted (no DTD, no entities)';
  if (/^ENTITY/i.test(keyword)) return 'ENTITY declarations are not accepted';
  return 'markup declarations are not accepted (no DTD)';
}
