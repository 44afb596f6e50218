import assert from 'node:assert';
import { amountXml, dateTimeXml, rateXml } from '../fields/amount.fields';
import { agentXml } from '../fields/agent.fields';
import { conditionXml } from '../fields/condition.fields';
import { renderIsoDocument, XmlObject } from '../xml/xml-writer';
import { partiesXml } from './pacs008-parties.fields';
import { CreditorPacs008, Pacs008Message, Pacs008Transaction, PACS008_TRANSACTIONS_MAX } from './pacs008.types';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The creditor bank's view of a settled payment (GET /v1/incoming-payments/{uetr} as XML): one CdtTrfTxInf,
 * SttlmMtd CLRG, IntrBkSttlmAmt = receiveAmount, InstdAmt = sendAmount, XchgRate, ChrgBr DEBT, ChrgsInf per fee.
 */
export function buildPacs008(p: CreditorPacs008): string {
  assert(ISO_DATE.test(p.settlementDate), `settlementDate must be YYYY-MM-DD, got ${p.settlementDate}`);
  return renderIsoDocument('pacs.008.001.09', 'FIToFICstmrCdtTrf', {
    GrpHdr: { MsgId: p.messageId, CreDtTm: dateTimeXml(p.createdAt), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } },
    CdtTrfTxInf: {
      PmtId: { EndToEndId: p.endToEndId, TxId: p.txId, UETR: p.uetr },
      IntrBkSttlmAmt: amountXml(p.interbankSettlementAmount),
      IntrBkSttlmDt: p.settlementDate,
      InstdAmt: amountXml(p.instructedAmount),
      XchgRate: rateXml(p.exchangeRate),
      ChrgBr: 'DEBT',
      ChrgsInf: p.charges.map((charge) => ({ Amt: amountXml(charge.amount), Agt: agentXml(charge.agent) })),
      ...partiesXml(p),
    },
  });
}

/**
 * What a bank's payment hub sends the gateway (for the SDK and tests): 1 to 1,000 transactions, ChrgBr DEBT, not
 * indented; a transaction's condition as Nostro's SplmtryData envelope (docs/iso20022.md "Conditional payments").
 */
export function buildPacs008Inbound(m: Pacs008Message): string {
  const count = m.transactions.length;
  assert(count >= 1 && count <= PACS008_TRANSACTIONS_MAX, `a pacs.008 carries 1 to ${PACS008_TRANSACTIONS_MAX} transactions, not ${count}`);
  return renderIsoDocument(
    'pacs.008.001.09',
    'FIToFICstmrCdtTrf',
    {
      GrpHdr: { MsgId: m.messageId, CreDtTm: m.createdAt, NbOfTxs: String(count), SttlmInf: { SttlmMtd: 'CLRG' } },
      CdtTrfTxInf: m.transactions.map(inboundTransactionXml),
    },
    '',
  );
}

function inboundTransactionXml(t: Pacs008Transaction): XmlObject {
  return {
    PmtId: { EndToEndId: t.endToEndId, TxId: t.quoteId, UETR: t.uetr },
    IntrBkSttlmAmt: amountXml({ amount: t.amount, currency: t.currency }),
    IntrBkSttlmDt: t.settlementTime?.settlementDate,
    SttlmPrty: t.settlementPriority,
    SttlmTmReq: t.settlementTime ? { TillTm: t.settlementTime.tillTime } : undefined,
    ChrgBr: 'DEBT',
    ...partiesXml(t),
    SplmtryData: t.condition ? conditionXml(t.condition) : undefined,
  };
}
