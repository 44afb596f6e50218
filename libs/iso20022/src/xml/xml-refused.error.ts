/** One reason a document was refused: where (`line 12`, or an element path such as `CdtTrfTxInf[3]/PmtId/TxId`) and why. */
export interface XmlIssue {
  path: string;
  message: string;
}

/** At most this many issues are kept: a thousand-transaction document can break the schema everywhere. */
export const XML_ISSUES_MAX = 100;

/**
 * Thrown for hostile or malformed input, before or instead of parsing, and for documents the schema or the mapping
 * refuses: the gateway maps it to 400 validation_failed with `issues` as errors[].
 */
export class XmlRefusedError extends Error {
  readonly issues: XmlIssue[];

  constructor(issues: XmlIssue[]) {
    const kept = issues.slice(0, XML_ISSUES_MAX);
    const first = kept[0] ?? { path: 'document', message: 'refused' };
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(`XML refused: ${first.path}: ${first.message}${more}`);
    this.name = 'XmlRefusedError';
    this.issues = kept.length > 0 ? kept : [first];
  }
}

/** Throws an XmlRefusedError with one issue. */
export function refuse(path: string, message: string): never {
  throw new XmlRefusedError([{ path, message }]);
}
