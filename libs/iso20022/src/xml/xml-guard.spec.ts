import { performance } from 'node:perf_hooks';
import { guardXml } from './xml-guard';
import { XmlRefusedError } from './xml-refused.error';

const GUARD_MS_MAX = 100;
const PACS008_NS = 'urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09';

/** The refusal guardXml throws, and how long it took. */
function refusal(xml: string, options?: { maxBytes?: number }): { error: XmlRefusedError; elapsedMs: number } {
  const started = performance.now();
  try {
    guardXml(xml, options);
  } catch (error) {
    const elapsedMs = performance.now() - started;
    if (error instanceof XmlRefusedError) return { error, elapsedMs };
    throw error;
  }
  throw new Error('guardXml accepted the document');
}

const BILLION_LAUGHS = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE lolz [',
  ' <!ENTITY lol "lol">',
  ...Array.from({ length: 9 }, (_, level) => ` <!ENTITY lol${level + 1} "${`&lol${level === 0 ? '' : level};`.repeat(10)}">`),
  ']>',
  '<lolz>&lol9;</lolz>',
].join('\n');

const hostile: [string, string, RegExp][] = [
  ['a DOCTYPE with an internal entity', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "expanded">]><Document>&x;</Document>', /DOCTYPE/],
  ['a DOCTYPE without entities', '<!DOCTYPE Document SYSTEM "pacs.dtd"><Document/>', /DOCTYPE/],
  ['the billion laughs', BILLION_LAUGHS, /DOCTYPE/],
  ['an ENTITY declaration outside a DOCTYPE', '<Document><!ENTITY x "y"></Document>', /ENTITY/],
  ['an undeclared entity reference', '<Document>&x;</Document>', /entity references/],
  ['an HTML entity', '<Document>&nbsp;</Document>', /entity references/],
  ['a character reference to a forbidden character', '<Document>&#1;</Document>', /not an allowed XML character/],
  ['an ISO-8859-1 declaration', '<?xml version="1.0" encoding="ISO-8859-1"?><Document/>', /ISO-8859-1 is refused/],
  ['a UTF-16 declaration', "<?xml version='1.0' encoding='UTF-16'?><Document/>", /UTF-16 is refused/],
  ['XML 1.1', '<?xml version="1.1"?><Document/>', /version 1.0/],
  ['a processing instruction', '<?xml version="1.0"?><?xml-stylesheet href="http://127.0.0.1:1/x.xsl"?><Document/>', /processing instructions/],
  ['a processing instruction inside the root', '<Document><?php system("id"); ?></Document>', /processing instructions/],
  ['an XML declaration that is not first', ' <?xml version="1.0"?><Document/>', /processing instructions/],
  ['mismatched tags', '<Document><A></B></Document>', /does not close <A>/],
  ['an unclosed element', '<Document><A>text</A>', /not closed/],
  ['a stray end tag', '</Document>', /without a start tag/],
  ['two root elements', '<Document/><Document/>', /after the root element/],
  ['text after the root', '<Document/>trailing', /outside the root/],
  ['no root at all', '   ', /no root element/],
  ['a bare ampersand', '<Document>Smith & Co</Document>', /entity references/],
  ['a malformed attribute', '<Document a=1/>', /malformed start tag/],
  ['a less-than in an attribute value', '<Document a="<"/>', /malformed start tag/],
  ['an unclosed comment', '<Document><!-- never closed</Document>', /unclosed comment/],
  ['a NUL character', '<Document>\u0000</Document>', /U\+0000/],
  ['a lone surrogate', '<Document>\uD800</Document>', /U\+D800/],
  ['an empty string', '', /no root element/],
];

describe('guardXml refuses hostile and malformed XML before any parser sees it', () => {
  it.each(hostile)('refuses %s, quickly', (_name, xml, message) => {
    const { error, elapsedMs } = refusal(xml);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.message).toMatch(message);
    expect(error.issues[0]?.path).toMatch(/^line \d+$/);
    expect(elapsedMs).toBeLessThan(GUARD_MS_MAX);
  });

  it('refuses a 2 MiB document by its size, quickly', () => {
    const filler = '<Ustrd>x</Ustrd>'.repeat((2 * 1024 * 1024) / 16);
    const { error, elapsedMs } = refusal(`<Document>${filler}</Document>`);
    expect(error.issues).toEqual([{ path: 'document', message: `the document is larger than ${1024 * 1024} bytes` }]);
    expect(elapsedMs).toBeLessThan(GUARD_MS_MAX);
  });

  it('counts bytes, not characters: 600,000 two-byte characters are over 1 MiB', () => {
    expect(refusal(`<Document>${'é'.repeat(600_000)}</Document>`).error.issues[0]?.message).toMatch(/larger than/);
    expect(refusal('<Document/>', { maxBytes: 10 }).error.issues[0]?.message).toMatch(/larger than 10 bytes/);
  });

  it('refuses 1,000-deep nesting, quickly', () => {
    const { error, elapsedMs } = refusal(`${'<a>'.repeat(1000)}${'</a>'.repeat(1000)}`);
    expect(error.issues[0]?.message).toBe('elements nested deeper than 64 levels');
    expect(elapsedMs).toBeLessThan(GUARD_MS_MAX);
  });

  it('refuses text that is not a string', () => {
    expect(refusal(Buffer.from('<Document/>') as unknown as string).error.issues[0]?.message).toBe('the document must be text');
  });

  it('names the line of the problem', () => {
    expect(refusal('<Document>\n  <A>\n    &x;\n  </A>\n</Document>').error.issues[0]?.path).toBe('line 3');
  });

  it('accepts plain well-formed XML in its usual forms', () => {
    const accepted = [
      '<Document/>',
      `\uFEFF<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Document xmlns="${PACS008_NS}"/>`,
      `<?xml version='1.0'?><n:Document xmlns:n="${PACS008_NS}"><n:A b='1' c = "&lt;&amp;&#233;&#x1F600;">x</n:A></n:Document>`,
      '<!-- a comment with <!DOCTYPE in it --><Document><![CDATA[<!ENTITY & <?pi?>]]><!-- <?pi ?> --></Document>\n',
      `${'<a>'.repeat(64)}${'</a>'.repeat(64)}`,
    ];
    for (const xml of accepted) expect(() => guardXml(xml)).not.toThrow();
  });
});
