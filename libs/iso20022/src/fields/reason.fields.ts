import type { XmlElement } from '../xml/xml-reader';
import type { XmlObject } from '../xml/xml-writer';

/** External code sets (ExternalStatusReason1Code, ExternalReturnReason1Code, …) are 1–4 characters. */
const EXTERNAL_CODE = /^[A-Z0-9]{1,4}$/;
/** Max105Text, the length of every AddtlInf. */
const ADDITIONAL_INFO_CHARS_MAX = 105;

/** A reason choice (StatusReason6Choice, ReturnReason5Choice, …): Cd for an ISO code, Prtry for anything else. */
export function reasonXml(code: string): XmlObject {
  return EXTERNAL_CODE.test(code) ? { Cd: code } : { Prtry: code };
}

/** The code of a reason choice element (Rsn): Cd, else Prtry. */
export function readReason(reason: XmlElement | undefined): string | undefined {
  return reason?.textAt('Cd') ?? reason?.textAt('Prtry');
}

/** Free text as repeated Max105Text AddtlInf, cut every 105 characters (code points, as XSD counts them). */
export function additionalInfoXml(text: string | undefined): string[] | undefined {
  if (text === undefined || text === '') return undefined;
  const characters = Array.from(text);
  const pieces: string[] = [];
  for (let at = 0; at < characters.length; at += ADDITIONAL_INFO_CHARS_MAX) pieces.push(characters.slice(at, at + ADDITIONAL_INFO_CHARS_MAX).join(''));
  return pieces;
}

/** The AddtlInf pieces joined back into one text. */
export function readAdditionalInfo(elements: XmlElement[]): string | undefined {
  return elements.length === 0 ? undefined : elements.map((element) => element.text()).join('');
}
