/** A recall (camt.056.001.09): Assgnmt/Id, Undrlyg/TxInf/OrgnlUETR, CxlRsnInf/Rsn/Cd (DUPL, FRAD, TECH, CUST, AM09, AC03, UPAY) and AddtlInf. */
export interface RecallRequest {
  messageId: string;
  uetr: string;
  reason: string;
  additionalInfo?: string;
}

/** The creditor's answer to a recall (camt.029.001.10): accept (CNCL) or reject (RJCR, with an investigation reason such as NOOR or CUST). */
export interface RecallAnswer {
  messageId: string;
  uetr: string;
  decision: 'accept' | 'reject';
  reason?: string;
}

/** The case assignment both messages carry: who asks whom, and when. Assigner and assignee are participant ids. */
export interface CaseAssignment {
  createdAt: Date;
  assigner: string;
  assignee: string;
}
