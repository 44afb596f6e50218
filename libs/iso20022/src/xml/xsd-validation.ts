import { memoryPages, validateXML, XMLValidationResult } from 'xmllint-wasm';
import { guardXml, XML_OUTGOING_BYTES_MAX } from './xml-guard';
import { XML_ISSUES_MAX, XmlIssue, XmlRefusedError } from './xml-refused.error';
import { Iso20022Schema, schemaText } from './xsd-schemas';

export type { Iso20022Schema } from './xsd-schemas';

/** Each validation runs xmllint in a worker thread of its own; at most this many at once, the others wait. */
export const VALIDATIONS_IN_FLIGHT_MAX = 4;
/** libxml2's memory in the worker: grows as needed up to this (an XML_OUTGOING_BYTES_MAX document needs well under it). */
const WASM_MEMORY_PAGES_MAX = 512 * memoryPages.MiB;
const DOCUMENT_FILE = 'message.xml';

export interface XmlValidation {
  valid: boolean;
  issues: XmlIssue[];
}

/**
 * XSD validation with xmllint-wasm (libxml2 compiled to WASM, in a worker thread, with --nonet and no file but the
 * two given) against the official schema copied into this library. The text passes guardXml first, up to
 * XML_OUTGOING_BYTES_MAX, and its refusals come back as issues; schema errors come back as `line N` with libxml2's
 * message, the ISO namespace left out of element names.
 */
export async function validateXml(schema: Iso20022Schema, xml: string): Promise<XmlValidation> {
  try {
    guardXml(xml, { maxBytes: XML_OUTGOING_BYTES_MAX });
  } catch (error) {
    if (error instanceof XmlRefusedError) return { valid: false, issues: error.issues };
    throw error;
  }
  return withValidationSlot(() => runXmllint(schema, xml));
}

/** What every inbound document goes through: guardXml (1 MiB), then the schema; throws XmlRefusedError with the schema's messages. */
export async function checkInbound(schema: Iso20022Schema, xml: string): Promise<void> {
  guardXml(xml);
  const result = await withValidationSlot(() => runXmllint(schema, xml));
  if (!result.valid) throw new XmlRefusedError(result.issues);
}

async function runXmllint(schema: Iso20022Schema, xml: string): Promise<XmlValidation> {
  let result: XMLValidationResult;
  try {
    result = await validateXML({
      xml: [{ fileName: DOCUMENT_FILE, contents: xml }],
      schema: [{ fileName: `${schema}.xsd`, contents: schemaText(schema) }],
      maxMemoryPages: WASM_MEMORY_PAGES_MAX,
      modifyArguments: (args) => ['--nonet', ...args],
    });
  } catch (error) {
    // xmllint exits with a code of its own when the document cannot be parsed at all: its stderr still says where.
    const issues = issuesFromOutput(error instanceof Error ? error.message : String(error));
    if (issues.length === 0) throw error;
    return { valid: false, issues };
  }
  if (result.valid) return { valid: true, issues: [] };
  const issues = issuesFromOutput(result.rawOutput);
  return { valid: false, issues: issues.length > 0 ? issues : [{ path: 'document', message: 'fails to validate' }] };
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

let inFlight = 0;
const waiting: (() => void)[] = [];

async function withValidationSlot<T>(run: () => Promise<T>): Promise<T> {
  if (inFlight >= VALIDATIONS_IN_FLIGHT_MAX) await new Promise<void>((resolve) => waiting.push(resolve));
  else inFlight += 1;
  try {
    return await run();
  } finally {
    const next = waiting.shift();
    if (next !== undefined) next();
    else inFlight -= 1;
  }
}
