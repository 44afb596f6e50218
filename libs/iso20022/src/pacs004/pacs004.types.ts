import type { Money } from '../fields/amount.fields';

/** A return (pacs.004.001.10): GrpHdr/MsgId, TxInf/OrgnlUETR, RtrdIntrBkSttlmAmt in the target currency, RtrRsnInf/Rsn/Cd (AC01, AC04, AM09, …). */
export interface ReturnRequest {
  messageId: string;
  uetr: string;
  amount: Money;
  reason: string;
}
