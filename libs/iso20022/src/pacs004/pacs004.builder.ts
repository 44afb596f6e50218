import assert from 'node:assert';
import { amountXml, dateTimeXml } from '../fields/amount.fields';
import { reasonXml } from '../fields/reason.fields';
import { renderIsoDocument } from '../xml/xml-writer';
import { ReturnRequest } from './pacs004.types';

/** A return as the creditor bank's hub sends it (for the SDK and tests): PmtRtr with one TxInf, SttlmMtd CLRG. */
export function buildPacs004(r: ReturnRequest & { createdAt: Date; settlementDate: string }): string {
  assert(/^\d{4}-\d{2}-\d{2}$/.test(r.settlementDate), `settlementDate must be YYYY-MM-DD, got ${r.settlementDate}`);
  return renderIsoDocument('pacs.004.001.10', 'PmtRtr', {
    GrpHdr: { MsgId: r.messageId, CreDtTm: dateTimeXml(r.createdAt), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } },
    TxInf: {
      OrgnlUETR: r.uetr,
      RtrdIntrBkSttlmAmt: amountXml(r.amount),
      IntrBkSttlmDt: r.settlementDate,
      RtrRsnInf: { Rsn: reasonXml(r.reason) },
    },
  });
}
