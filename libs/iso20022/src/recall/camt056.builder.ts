import { additionalInfoXml, reasonXml } from '../fields/reason.fields';
import { renderIsoDocument } from '../xml/xml-writer';
import { CaseAssignment, RecallRequest } from './recall.types';
import { caseAssignmentXml } from './case-assignment.fields';

/** A recall as the debtor bank's hub sends it (for the SDK and tests): FIToFIPmtCxlReq with one Undrlyg/TxInf. */
export function buildCamt056(r: RecallRequest & CaseAssignment): string {
  return renderIsoDocument('camt.056.001.09', 'FIToFIPmtCxlReq', {
    Assgnmt: caseAssignmentXml(r.messageId, r),
    Undrlyg: {
      TxInf: { OrgnlUETR: r.uetr, CxlRsnInf: { Rsn: reasonXml(r.reason), AddtlInf: additionalInfoXml(r.additionalInfo) } },
    },
  });
}
