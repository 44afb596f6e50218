import { readAgent, readParty } from '../fields/agent.fields';
import { readAmount } from '../fields/amount.fields';
import { readCondition } from '../fields/condition.fields';
import { readSettlementTime } from '../fields/settlement-time.fields';
import type { XmlElement } from '../xml/xml-reader';
import { readIsoMessage } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';
import { Pacs008Message, Pacs008Transaction, PACS008_TRANSACTIONS_MAX, REMITTANCE_INFO_CHARS_MAX } from './pacs008.types';

/**
 * Reads a pacs.008.001.09 that checkInbound accepted, with 1 to 1,000 CdtTrfTxInf. Refuses (XmlRefusedError, with
 * the element's path) what the schema allows but a payment needs: TxId (the quote), debtor and creditor names and
 * accounts, agents, and an NbOfTxs that matches the transactions. A condition is read as sent (checkCondition judges it).
 */
export function parsePacs008(xml: string): Pacs008Message {
  const message = readIsoMessage(xml, 'FIToFICstmrCdtTrf');
  const header = message.required('GrpHdr');
  const transactions = message.children('CdtTrfTxInf');
  if (transactions.length > PACS008_TRANSACTIONS_MAX) refuse(`${message.path}/CdtTrfTxInf`, `at most ${PACS008_TRANSACTIONS_MAX} transactions per message`);
  const declared = header.requiredText('NbOfTxs').trim();
  if (!/^[0-9]{1,15}$/.test(declared) || BigInt(declared) !== BigInt(transactions.length)) {
    refuse(`${header.path}/NbOfTxs`, `says ${declared} but the message has ${transactions.length} CdtTrfTxInf`);
  }
  return {
    messageId: header.requiredText('MsgId'),
    createdAt: header.requiredText('CreDtTm').trim(),
    transactions: transactions.map((tx, index) => readTransaction(tx, index, header)),
  };
}

function readTransaction(transaction: XmlElement, index: number, header: XmlElement): Pacs008Transaction {
  const paymentId = transaction.required('PmtId');
  const amount = readAmount(transaction.required('IntrBkSttlmAmt'));
  const uetr = paymentId.textAt('UETR');
  const remittanceInfo = readRemittanceInfo(transaction);
  return {
    index,
    quoteId: paymentId.requiredText('TxId'),
    ...(uetr === undefined ? {} : { uetr: uetr.trim().toLowerCase() }),
    endToEndId: paymentId.requiredText('EndToEndId'),
    amount: amount.amount,
    currency: amount.currency,
    debtor: readParty(transaction, 'Dbtr', 'DbtrAcct'),
    creditor: readParty(transaction, 'Cdtr', 'CdtrAcct'),
    debtorAgent: readAgent(transaction.required('DbtrAgt')),
    creditorAgent: readAgent(transaction.required('CdtrAgt')),
    ...(remittanceInfo === undefined ? {} : { remittanceInfo }),
    ...readSettlementTime(transaction, header),
    ...readCondition(transaction),
  };
}

function readRemittanceInfo(transaction: XmlElement): string | undefined {
  const lines = transaction.at('RmtInf')?.children('Ustrd') ?? [];
  if (lines.length === 0) return undefined;
  return Array.from(lines.map((line) => line.text()).join(' '))
    .slice(0, REMITTANCE_INFO_CHARS_MAX)
    .join('');
}
