import { guardXml, XML_OUTGOING_BYTES_MAX } from './xml-guard';
import { XML_ISSUES_MAX, XmlIssue, XmlRefusedError } from './xml-refused.error';
import { Iso20022Schema, schemaText } from './xsd-schemas';
import { XmllintExit, XmllintPool } from './xmllint-pool';

export type { Iso20022Schema } from './xsd-schemas';

/** Validations run in this many long-lived worker threads at most, one each at a time; the others wait in order. */
export const VALIDATIONS_IN_FLIGHT_MAX = 4;
/** 64 KiB WebAssembly pages in a MiB. */
const PAGES_PER_MIB = 16;
/** libxml2's memory for one validation: starts at 16 MiB and grows as needed up to 512 MiB (an XML_OUTGOING_BYTES_MAX document needs well under it). */
const WASM_MEMORY_PAGES_INITIAL = 16 * PAGES_PER_MIB;
const WASM_MEMORY_PAGES_MAX = 512 * PAGES_PER_MIB;
const DOCUMENT_FILE = 'message.xml';

export interface XmlValidation {
  valid: boolean;
  issues: XmlIssue[];
}

/**
 * XSD validation with xmllint-wasm (libxml2 compiled to WASM, run in a pool of worker threads, a new instance for each
 * document, with --nonet and no file but the two given) against the official schema copied into this library. The
 * text passes guardXml first, up to XML_OUTGOING_BYTES_MAX, and its refusals come back as issues; schema errors come
 * back as `line N` with libxml2's message, the ISO namespace left out of element names.
 */
export async function validateXml(schema: Iso20022Schema, xml: string): Promise<XmlValidation> {
  try {
    guardXml(xml, { maxBytes: XML_OUTGOING_BYTES_MAX });
  } catch (error) {
    if (error instanceof XmlRefusedError) return { valid: false, issues: error.issues };
    throw error;
  }
  return runXmllint(schema, xml);
}

/** What every inbound document goes through: guardXml (1 MiB), then the schema; throws XmlRefusedError with the schema's messages. */
export async function checkInbound(schema: Iso20022Schema, xml: string): Promise<void> {
  guardXml(xml);
  const result = await runXmllint(schema, xml);
  if (!result.valid) throw new XmlRefusedError(result.issues);
}

const pool = new XmllintPool(VALIDATIONS_IN_FLIGHT_MAX);

async function runXmllint(schema: Iso20022Schema, xml: string): Promise<XmlValidation> {
  const schemaFile = `${schema}.xsd`;
  const run: XmllintExit = await pool.run({
    inputFiles: [
      { fileName: DOCUMENT_FILE, contents: xml },
      { fileName: schemaFile, contents: schemaText(schema) },
    ],
    args: ['--nonet', '--schema', schemaFile, '--noout', DOCUMENT_FILE],
    initialMemoryPages: WASM_MEMORY_PAGES_INITIAL,
    maxMemoryPages: WASM_MEMORY_PAGES_MAX,
  });
  if (run.exitCode === 0) return { valid: true, issues: [] };
  // 3 and 4: the document does not validate; any other code: it could not be parsed at all, and stderr still says where.
  const issues = issuesFromOutput(run.stderr);
  if (run.exitCode === 3 || run.exitCode === 4)
    return { valid: false, issues: issues.length > 0 ? issues : [{ path: 'document', message: 'fails to validate' }] };
  if (issues.length === 0) throw new Error(`xmllint failed (exit code ${run.exitCode}): ${run.stderr.slice(0, 500)}`);
  return { valid: false, issues };
}

const OUTPUT_LINE = new RegExp(`^${DOCUMENT_FILE.replace('.', '\\.')}:(\\d+): (.*)$`);
const ISO_NAMESPACE = /\{urn:iso:std:iso:20022:tech:xsd:[^}]*\}/g;

/** xmllint's stderr: `message.xml:12: Schemas validity error : Element '{urn:…}TxSts': …`; the echoed source lines are dropped. */
function issuesFromOutput(output: string): XmlIssue[] {
  const issues: XmlIssue[] = [];
  for (const line of output.split('\n')) {
    const match = OUTPUT_LINE.exec(line);
    if (match === null) continue;
    issues.push({ path: `line ${match[1]}`, message: (match[2] ?? '').replace(ISO_NAMESPACE, '').trim() });
    if (issues.length === XML_ISSUES_MAX) break;
  }
  return issues;
}
