import fs from 'node:fs';
import path from 'node:path';
import { XML_ISSUES_MAX, XmlRefusedError } from './xml-refused.error';
import { ISO20022_SCHEMAS, ISO20022_SCHEMAS_DIR, namespaceOf } from './xsd-schemas';
import { checkInbound, validateXml } from './xsd-validation';

const NS = namespaceOf('pacs.002.001.11');

/** A pacs.002 written by hand, so that it can be wrong on purpose; `transactions` are TxInfAndSts bodies, one per line. */
function pacs002(transactions: string[], header = '<MsgId>M1</MsgId><CreDtTm>2024-06-28T10:00:00Z</CreDtTm>'): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Document xmlns="${NS}">`,
    '<FIToFIPmtStsRpt>',
    `<GrpHdr>${header}</GrpHdr>`,
    ...transactions.map((body) => `<TxInfAndSts>${body}</TxInfAndSts>`),
    '</FIToFIPmtStsRpt>',
    '</Document>',
  ].join('\n');
}

const GOOD_TX = '<OrgnlEndToEndId>E2E</OrgnlEndToEndId><OrgnlUETR>0b3a1a0e-6c2f-4a55-9d6e-3c1b8f2a9e11</OrgnlUETR><TxSts>ACSC</TxSts>';

async function refusedBy(run: Promise<void>): Promise<XmlRefusedError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof XmlRefusedError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('the official schemas', () => {
  it('are all in the library, found from the compiled file', () => {
    expect(path.relative(path.join(__dirname, '..', '..'), ISO20022_SCHEMAS_DIR)).toBe('schemas');
    for (const schema of ISO20022_SCHEMAS) {
      const text = fs.readFileSync(path.join(ISO20022_SCHEMAS_DIR, `${schema}.xsd`), 'utf8');
      expect(text).toContain(`targetNamespace="${namespaceOf(schema)}"`);
    }
  });
});

describe('validateXml', () => {
  it('accepts a valid document', async () => {
    await expect(validateXml('pacs.002.001.11', pacs002([GOOD_TX]))).resolves.toEqual({ valid: true, issues: [] });
  });

  it("returns schema errors with their line and libxml2's message, without the namespace", async () => {
    const bad = '<OrgnlEndToEndId>E2E</OrgnlEndToEndId><OrgnlUETR>NOT-A-UUID</OrgnlUETR><TxSts>ACSCX</TxSts>';
    const result = await validateXml('pacs.002.001.11', pacs002([GOOD_TX, bad]));
    expect(result.valid).toBe(false);
    expect(result.issues).toEqual([
      {
        path: 'line 6',
        message:
          "Schemas validity error : Element 'OrgnlUETR': [facet 'pattern'] The value 'NOT-A-UUID' is not accepted by the pattern '[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}'.",
      },
      {
        path: 'line 6',
        message: "Schemas validity error : Element 'TxSts': [facet 'maxLength'] The value has a length of '5'; this exceeds the allowed maximum length of '4'.",
      },
    ]);
  });

  it('says which element is missing and where', async () => {
    const result = await validateXml('pacs.002.001.11', pacs002([GOOD_TX], '<CreDtTm>2024-06-28T10:00:00Z</CreDtTm>'));
    expect(result.issues).toEqual([
      { path: 'line 4', message: "Schemas validity error : Element 'CreDtTm': This element is not expected. Expected is ( MsgId )." },
    ]);
  });

  it('refuses a document of another message or namespace', async () => {
    const result = await validateXml('pacs.008.001.09', pacs002([GOOD_TX]));
    expect(result.valid).toBe(false);
    expect(result.issues[0]?.message).toMatch(/No matching global declaration available for the validation root/);
  });

  it('returns the guard refusal of malformed or hostile XML as issues, without running xmllint', async () => {
    expect(await validateXml('pacs.002.001.11', '<Document><A></Document>')).toEqual({
      valid: false,
      issues: [{ path: 'line 1', message: 'end tag </Document> does not close <A>' }],
    });
    const doctype = await validateXml('pacs.002.001.11', '<!DOCTYPE d [<!ENTITY x "y">]><Document>&x;</Document>');
    expect(doctype.issues[0]?.message).toMatch(/DOCTYPE/);
  });

  it(`keeps at most ${XML_ISSUES_MAX} issues`, async () => {
    const result = await validateXml('pacs.002.001.11', pacs002(Array.from({ length: 150 }, () => '<TxSts>TOOLONG</TxSts>')));
    expect(result.issues).toHaveLength(XML_ISSUES_MAX);
  });

  it('runs many validations at once (a few workers at a time)', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => validateXml('pacs.002.001.11', pacs002(index % 2 === 0 ? [GOOD_TX] : ['<TxSts>X1234</TxSts>']))),
    );
    expect(results.map((result) => result.valid)).toEqual(Array.from({ length: 10 }, (_, index) => index % 2 === 0));
  }, 30_000);
});

describe('checkInbound', () => {
  it('resolves for a valid document', async () => {
    await expect(checkInbound('pacs.002.001.11', pacs002([GOOD_TX]))).resolves.toBeUndefined();
  });

  it("throws XmlRefusedError with the schema's issues", async () => {
    const error = await refusedBy(checkInbound('pacs.002.001.11', pacs002([GOOD_TX, '<TxSts></TxSts>'])));
    expect(error.issues).toEqual([{ path: 'line 6', message: expect.stringMatching(/Element 'TxSts'.*minLength/) }]);
    expect(error.message).toMatch(/^XML refused: line 6: /);
  });

  it('throws the guard refusal first, and holds requests to 1 MiB where validateXml allows larger documents', async () => {
    expect((await refusedBy(checkInbound('pacs.002.001.11', '<?xml version="1.0" encoding="latin1"?><Document/>'))).issues[0]?.message).toMatch(/latin1/);
    const large = pacs002(Array.from({ length: 9000 }, () => GOOD_TX));
    expect(Buffer.byteLength(large)).toBeGreaterThan(1024 * 1024);
    expect((await refusedBy(checkInbound('pacs.002.001.11', large))).issues[0]?.message).toMatch(/larger than 1048576 bytes/);
    await expect(validateXml('pacs.002.001.11', large)).resolves.toEqual({ valid: true, issues: [] });
  }, 30_000);
});
