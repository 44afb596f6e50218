/**
 * XML 1.0 `Char`: no C0 control characters but tab, line feed and carriage return, no U+FFFE or U+FFFF, and no lone
 * surrogates (\p{Cs} matches only unpaired ones under the u flag). Matching them is the point of this expression.
 */
// eslint-disable-next-line no-control-regex
export const NOT_XML_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;

/** The same, for replacing every occurrence. */
export const NOT_XML_CHARACTERS = new RegExp(NOT_XML_CHARACTER.source, 'gu');

/** Whether a character reference (&#…;) names a character XML 1.0 allows. */
export function isXmlCharacter(codePoint: number): boolean {
  if (codePoint === 0x9 || codePoint === 0xa || codePoint === 0xd) return true;
  if (codePoint < 0x20 || codePoint === 0xfffe || codePoint === 0xffff) return false;
  return !(codePoint >= 0xd800 && codePoint <= 0xdfff) && codePoint <= 0x10ffff;
}
