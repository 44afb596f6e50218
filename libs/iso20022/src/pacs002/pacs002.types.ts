/** pacs.002 TxSts as API.md maps the payment statuses (RECEIVED RCVD, HELD/QUEUED PDNG, SUBMITTED/RESERVED ACSP, SETTLED ACSC, …). */
export const TX_STATUSES = ['RCVD', 'PDNG', 'ACSP', 'ACSC', 'RJCT', 'CANC', 'ACTC'] as const;
export type TxStatus = (typeof TX_STATUSES)[number];

export const GROUP_STATUSES = ['ACCP', 'RCVD', 'PART', 'RJCT', 'ACSC', 'PDNG', 'ACSP'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

export interface StatusReportTransaction {
  uetr?: string;
  endToEndId: string;
  txId?: string;
  status: TxStatus;
  /** StsRsnInf/Rsn/Cd: an ExternalStatusReason1Code such as AM04, AB05 or NARR (with the detail in additionalInfo). */
  reason?: { code: string; additionalInfo?: string };
}

/** A FIToFIPmtStsRpt (pacs.002.001.11): the answer to a pacs.008, or a payment's current status. */
export interface StatusReport {
  messageId: string;
  createdAt: Date;
  originalMessageId: string;
  /** The original message's name, e.g. pacs.008.001.09. */
  originalMessageNameId: string;
  /** The original message's CreDtTm, as it was sent. */
  originalCreatedAt?: string;
  groupStatus?: GroupStatus;
  transactions: StatusReportTransaction[];
}
