import { readAdditionalInfo, readReason } from '../fields/reason.fields';
import { onlyTransaction, readIsoMessage } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';
import type { RecallRequest } from './recall.types';

/** Reads a camt.056.001.09 recall of one payment: Assgnmt/Id, Undrlyg/TxInf/OrgnlUETR, CxlRsnInf/Rsn (Cd or Prtry), AddtlInf. */
export function parseCamt056(xml: string): RecallRequest {
  const message = readIsoMessage(xml, 'FIToFIPmtCxlReq');
  const transaction = onlyTransaction(
    message.children('Undrlyg').flatMap((underlying) => underlying.children('TxInf')),
    `${message.path}/Undrlyg/TxInf`,
  );
  const reasonInfo = transaction.required('CxlRsnInf');
  const additionalInfo = readAdditionalInfo(reasonInfo.children('AddtlInf'));
  return {
    messageId: message.requiredText('Assgnmt', 'Id'),
    uetr: transaction.requiredText('OrgnlUETR').trim().toLowerCase(),
    reason: readReason(reasonInfo.at('Rsn')) ?? refuse(`${reasonInfo.path}/Rsn`, 'a recall needs a cancellation reason (Cd or Prtry)'),
    ...(additionalInfo === undefined ? {} : { additionalInfo }),
  };
}
