import type { Money } from '../fields/amount.fields';

export type EntryKind = 'payment' | 'return' | 'deposit' | 'withdrawal' | 'fee';
export type EntryDirection = 'credit' | 'debit';

/** One posting to the account: one Ntry. */
export interface StatementEntry {
  /** NtryRef: the entry id. */
  entryRef: string;
  /** Positive, in the account's currency; the sign is `direction`. */
  amount: Money;
  direction: EntryDirection;
  bookingDate: Date;
  status?: 'BOOK';
  kind: EntryKind;
  uetr?: string;
  endToEndId?: string;
  /** The other participant (RltdAgts: DbtrAgt of a credit, CdtrAgt of a debit). */
  counterparty?: string;
  reference?: string;
}

/** An account statement (camt.053.001.08, BkToCstmrStmt with one Stmt). */
export interface Statement {
  messageId: string;
  createdAt: Date;
  statementId: string;
  /** `id` (e.g. 'BANKUS33:USD') goes to Acct/Id/Othr/Id, the owner to Acct/Ownr/Nm. */
  account: { id: string; currency: string; owner: string };
  from: Date;
  to: Date;
  /** Today's statement, up to the last final block: AddtlStmtInf says INTERIM. */
  interim: boolean;
  /** OPBD; a negative amount is written as DBIT with its absolute value. */
  openingBalance: Money;
  /** CLBD; a negative amount is written as DBIT with its absolute value. */
  closingBalance: Money;
  entries: StatementEntry[];
}

/** What parseCamt053 reads back of a statement: balances signed again, entries with their direction. */
export interface StatementSummary {
  messageId: string;
  statementId: string;
  accountId: string;
  interim: boolean;
  openingBalance: Money;
  closingBalance: Money;
  entries: { entryRef: string; amount: Money; direction: EntryDirection }[];
}

/** AddtlStmtInf of an interim statement. */
export const INTERIM_STATEMENT_NOTE = 'INTERIM: up to the last final block of a day that is not over';
