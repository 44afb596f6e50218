import { readAmount } from '../fields/amount.fields';
import { readReason } from '../fields/reason.fields';
import { onlyTransaction, readIsoMessage } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';
import type { ReturnRequest } from './pacs004.types';

/** Reads a pacs.004.001.10 return of one payment: GrpHdr/MsgId, TxInf/OrgnlUETR, RtrdIntrBkSttlmAmt (+Ccy), RtrRsnInf/Rsn (Cd or Prtry). */
export function parsePacs004(xml: string): ReturnRequest {
  const message = readIsoMessage(xml, 'PmtRtr');
  const transaction = onlyTransaction(message.children('TxInf'), `${message.path}/TxInf`);
  return {
    messageId: message.requiredText('GrpHdr', 'MsgId'),
    uetr: transaction.requiredText('OrgnlUETR').trim().toLowerCase(),
    amount: readAmount(transaction.required('RtrdIntrBkSttlmAmt')),
    reason: readReason(transaction.at('RtrRsnInf', 'Rsn')) ?? refuse(`${transaction.path}/RtrRsnInf/Rsn`, 'a return needs a reason (Cd or Prtry)'),
  };
}
