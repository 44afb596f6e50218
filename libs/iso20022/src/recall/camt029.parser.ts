import { readReason } from '../fields/reason.fields';
import { onlyTransaction, readIsoMessage, XmlElement } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';
import type { RecallAnswer } from './recall.types';

type Decision = RecallAnswer['decision'];

/** Where a camt.029 may say accept or reject, most specific first, and the codes each place uses. */
const DECISION_SOURCES: { path: string[]; codes: Record<string, Decision> }[] = [
  { path: ['TxCxlSts'], codes: { ACCR: 'accept', RJCR: 'reject' } },
  { path: ['CxlStsId'], codes: { CNCL: 'accept', RJCR: 'reject' } },
];
const INVESTIGATION_CODES: Record<string, Decision> = { CNCL: 'accept', RJCR: 'reject' };

/**
 * Reads a camt.029.001.10 answer to a recall of one payment: CxlDtls/TxInfAndSts/OrgnlUETR, the decision from
 * TxCxlSts (ACCR/RJCR), CxlStsId (CNCL/RJCR, API.md) or Sts/Conf (CNCL/RJCR) — refused when they disagree or none
 * says — and the reason from CxlStsRsnInf/Rsn (Cd or Prtry), which a rejection needs.
 */
export function parseCamt029(xml: string): RecallAnswer {
  const message = readIsoMessage(xml, 'RsltnOfInvstgtn');
  const status = onlyTransaction(
    message.children('CxlDtls').flatMap((details) => details.children('TxInfAndSts')),
    `${message.path}/CxlDtls/TxInfAndSts`,
  );
  const decision = readDecision(message, status);
  const reason = readReason(status.at('CxlStsRsnInf', 'Rsn'));
  if (decision === 'reject' && reason === undefined)
    refuse(`${status.path}/CxlStsRsnInf/Rsn`, 'a rejected recall needs a reason (NOOR, CUST, AC04, ARDT, LEGL, NOAS)');
  return {
    messageId: message.requiredText('Assgnmt', 'Id'),
    uetr: status.requiredText('OrgnlUETR').trim().toLowerCase(),
    decision,
    ...(reason === undefined ? {} : { reason }),
  };
}

function readDecision(message: XmlElement, status: XmlElement): Decision {
  const said: { path: string; decision: Decision }[] = [];
  const note = (element: XmlElement | undefined, codes: Record<string, Decision>): void => {
    if (element === undefined) return;
    const code = element.text().trim();
    const decision = Object.hasOwn(codes, code) ? codes[code] : undefined;
    said.push({ path: element.path, decision: decision ?? refuse(element.path, `${code} is not one of ${Object.keys(codes).join(', ')}`) });
  };
  for (const source of DECISION_SOURCES) note(status.at(...source.path), source.codes);
  note(message.at('Sts', 'Conf'), INVESTIGATION_CODES);
  const first = said[0] ?? refuse(`${status.path}/TxCxlSts`, 'the answer says neither accept nor reject (TxCxlSts, CxlStsId or Sts/Conf)');
  const disagreeing = said.find((entry) => entry.decision !== first.decision);
  if (disagreeing !== undefined) refuse(disagreeing.path, `contradicts ${first.path}`);
  return first.decision;
}
