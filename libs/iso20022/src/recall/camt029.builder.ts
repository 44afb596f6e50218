import { reasonXml } from '../fields/reason.fields';
import { renderIsoDocument } from '../xml/xml-writer';
import { CaseAssignment, RecallAnswer } from './recall.types';
import { caseAssignmentXml } from './case-assignment.fields';

/**
 * The creditor's answer as its hub sends it (for the SDK and tests). The decision is written three ways, all of
 * which parseCamt029 reads: Sts/Conf (CNCL or RJCR, the ISO investigation status), CxlDtls/TxInfAndSts/CxlStsId
 * (CNCL or RJCR, as API.md describes it) and TxCxlSts (ACCR or RJCR), with CxlStsRsnInf/Rsn/Cd for the reason.
 */
export function buildCamt029(a: RecallAnswer & CaseAssignment): string {
  const accepted = a.decision === 'accept';
  return renderIsoDocument('camt.029.001.10', 'RsltnOfInvstgtn', {
    Assgnmt: caseAssignmentXml(a.messageId, a),
    Sts: { Conf: accepted ? 'CNCL' : 'RJCR' },
    CxlDtls: {
      TxInfAndSts: {
        CxlStsId: accepted ? 'CNCL' : 'RJCR',
        OrgnlUETR: a.uetr,
        TxCxlSts: accepted ? 'ACCR' : 'RJCR',
        CxlStsRsnInf: a.reason === undefined ? undefined : { Rsn: reasonXml(a.reason) },
      },
    },
  });
}
