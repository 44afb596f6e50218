import type { Money } from '../fields/amount.fields';
import type { Party } from '../fields/agent.fields';
import type { PaymentCondition } from '../fields/condition.fields';
import type { SettlementPriority, SettlementTime } from '../fields/settlement-time.fields';

/** API.md: one pacs.008 carries 1 to 1,000 CdtTrfTxInf. */
export const PACS008_TRANSACTIONS_MAX = 1000;
/** RmtInf/Ustrd is joined into remittanceInfo and cut to this many characters. */
export const REMITTANCE_INFO_CHARS_MAX = 140;

/** One CdtTrfTxInf of an inbound pacs.008.001.09, as the gateway maps it to a payment. */
export interface Pacs008Transaction {
  /** 0-based position in the message. */
  index: number;
  /** PmtId/TxId: every payment pays a locked quote. */
  quoteId: string;
  /** PmtId/UETR, lower-cased. */
  uetr?: string;
  /** PmtId/EndToEndId. */
  endToEndId: string;
  /** IntrBkSttlmAmt text, exactly as sent (but for surrounding whitespace, which xs:decimal ignores): never a number. */
  amount: string;
  /** IntrBkSttlmAmt/@Ccy. */
  currency: string;
  /** Dbtr/Nm + DbtrAcct/Id. */
  debtor: Party;
  /** Cdtr/Nm + CdtrAcct/Id. */
  creditor: Party;
  /** DbtrAgt/FinInstnId/BICFI or Othr/Id. */
  debtorAgent: string;
  /** CdtrAgt/FinInstnId/BICFI or Othr/Id. */
  creditorAgent: string;
  /** RmtInf/Ustrd, joined with a space if several, at most 140 characters. */
  remittanceInfo?: string;
  /** SttlmTmReq/TillTm (with the IntrBkSttlmDt it falls on): settle by then, waiting in the liquidity queue if short of funds. */
  settlementTime?: SettlementTime;
  /** SttlmPrty. */
  settlementPriority?: SettlementPriority;
  /** SplmtryData/Envlp/Cond in urn:nostro:condition:1: a hash-lock (escrow until its preimage is given), as sent. */
  condition?: PaymentCondition;
}

export interface Pacs008Message {
  /** GrpHdr/MsgId. */
  messageId: string;
  /** GrpHdr/CreDtTm, as sent. */
  createdAt: string;
  transactions: Pacs008Transaction[];
}

/** A settled payment as the creditor bank would have received it from a correspondent (one CdtTrfTxInf, SttlmMtd CLRG, ChrgBr DEBT). */
export interface CreditorPacs008 {
  messageId: string;
  createdAt: Date;
  /** IntrBkSttlmDt: the date of the block that settled it, YYYY-MM-DD. */
  settlementDate: string;
  uetr: string;
  endToEndId: string;
  txId: string;
  /** IntrBkSttlmAmt: the target currency, the payment's receiveAmount. */
  interbankSettlementAmount: Money;
  /** InstdAmt: the source currency, the payment's sendAmount. */
  instructedAmount: Money;
  /** XchgRate: the quote's rate (written with the digits BaseOneRate allows). */
  exchangeRate: string;
  /** ChrgsInf, one per fee. */
  charges: { amount: Money; agent: string }[];
  debtor: Party;
  creditor: Party;
  debtorAgent: string;
  creditorAgent: string;
  remittanceInfo?: string;
}
