import { z } from 'zod';

export const XML_MEDIA_TYPE = 'application/xml; charset=utf-8';

/** For the OpenAPI document: an ISO 20022 XML document of this message (its XSD is the reference). */
export const xmlDocSchema = (message: string) =>
  z.string().describe(`an ISO 20022 ${message} document (XML), valid against its official XSD (libs/iso20022/schemas)`);

/** True when the client asks for XML rather than JSON (`Accept: application/xml`, or XML listed before JSON). */
export function wantsXml(accept: string | undefined): boolean {
  if (!accept) return false;
  const xml = accept.search(/\b(application|text)\/xml\b/i);
  if (xml < 0) return false;
  const json = accept.search(/\bapplication\/json\b/i);
  return json < 0 || xml < json;
}
