import fs from 'node:fs';
import path from 'node:path';

/** The ISO 20022 messages this library reads and writes, each with the version of the 2019 message set we speak. */
export const ISO20022_SCHEMAS = ['pacs.008.001.09', 'pacs.002.001.11', 'pacs.004.001.10', 'camt.056.001.09', 'camt.029.001.10', 'camt.053.001.08'] as const;
export type Iso20022Schema = (typeof ISO20022_SCHEMAS)[number];

/**
 * The official XSDs, copied into the library (libs/iso20022/schemas). Found relative to this file: from source
 * (libs/iso20022/src/xml → libs/iso20022/schemas) and from the build, which copies the folder beside the compiled
 * code (dist/libs/iso20022/src/xml → dist/libs/iso20022/schemas), as it does with the apps' migrations.
 */
export const ISO20022_SCHEMAS_DIR = path.join(__dirname, '..', '..', 'schemas');

export function namespaceOf(schema: Iso20022Schema): string {
  return `urn:iso:std:iso:20022:tech:xsd:${schema}`;
}

const loaded = new Map<Iso20022Schema, string>();

/** The XSD text, read once per schema and kept. */
export function schemaText(schema: Iso20022Schema): string {
  const cached = loaded.get(schema);
  if (cached !== undefined) return cached;
  const file = path.join(ISO20022_SCHEMAS_DIR, `${schema}.xsd`);
  if (!fs.existsSync(file)) throw new Error(`ISO 20022 schema ${schema}.xsd not found in ${ISO20022_SCHEMAS_DIR} (the build copies libs/iso20022/schemas)`);
  const text = fs.readFileSync(file, 'utf8');
  loaded.set(schema, text);
  return text;
}
