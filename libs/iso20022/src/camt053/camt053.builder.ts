import assert from 'node:assert';
import { asCurrency, CurrencyCode, formatAmount, parseAmount } from '@nostro/shared';
import { agentXml } from '../fields/agent.fields';
import { amountXml, dateTimeXml, Money } from '../fields/amount.fields';
import { renderIsoDocument, XmlObject } from '../xml/xml-writer';
import { INTERIM_STATEMENT_NOTE, Statement, StatementEntry } from './camt053.types';

/**
 * BkToCstmrStmt with one Stmt: the account (Othr/Id, Ccy, Ownr/Nm), OPBD and CLBD balances, TxsSummry (counts and
 * sums of all, credit and debit entries, and the net), and one Ntry per entry: Amt, CdtDbtInd, Sts BOOK, BookgDt,
 * NtryRef, BkTxCd/Prtry (the kind), NtryDtls/TxDtls with Refs (EndToEndId, UETR), RltdAgts and AddtlTxInf.
 */
export function buildCamt053(s: Statement): string {
  const currency = asCurrency(s.account.currency);
  return renderIsoDocument('camt.053.001.08', 'BkToCstmrStmt', {
    GrpHdr: { MsgId: s.messageId, CreDtTm: dateTimeXml(s.createdAt) },
    Stmt: {
      Id: s.statementId,
      CreDtTm: dateTimeXml(s.createdAt),
      FrToDt: { FrDtTm: dateTimeXml(s.from), ToDtTm: dateTimeXml(s.to) },
      Acct: { Id: { Othr: { Id: s.account.id } }, Ccy: currency, Ownr: { Nm: s.account.owner } },
      Bal: [balanceXml('OPBD', s.openingBalance, s.from), balanceXml('CLBD', s.closingBalance, s.to)],
      TxsSummry: summaryXml(s.entries, currency),
      Ntry: s.entries.map(entryXml),
      AddtlStmtInf: s.interim ? INTERIM_STATEMENT_NOTE : undefined,
    },
  });
}

/** A balance's sign goes to CdtDbtInd: a negative amount is DBIT with its absolute value (the same digits). */
function balanceXml(code: 'OPBD' | 'CLBD', balance: Money, at: Date): XmlObject {
  const minor = parseAmount(balance.amount, asCurrency(balance.currency), { allowNegative: true });
  return {
    Tp: { CdOrPrtry: { Cd: code } },
    Amt: amountXml({ amount: balance.amount.replace(/^-/, ''), currency: balance.currency }),
    CdtDbtInd: minor < 0n ? 'DBIT' : 'CRDT',
    Dt: { DtTm: dateTimeXml(at) },
  };
}

function summaryXml(entries: StatementEntry[], currency: CurrencyCode): XmlObject {
  const credits = totals(
    entries.filter((entry) => entry.direction === 'credit'),
    currency,
  );
  const debits = totals(
    entries.filter((entry) => entry.direction === 'debit'),
    currency,
  );
  const net = credits.minor - debits.minor;
  return {
    TtlNtries: {
      NbOfNtries: String(entries.length),
      Sum: formatAmount(credits.minor + debits.minor, currency),
      TtlNetNtry: { Amt: formatAmount(net < 0n ? -net : net, currency), CdtDbtInd: net < 0n ? 'DBIT' : 'CRDT' },
    },
    TtlCdtNtries: { NbOfNtries: String(credits.count), Sum: formatAmount(credits.minor, currency) },
    TtlDbtNtries: { NbOfNtries: String(debits.count), Sum: formatAmount(debits.minor, currency) },
  };
}

function totals(entries: StatementEntry[], currency: CurrencyCode): { count: number; minor: bigint } {
  let minor = 0n;
  for (const entry of entries) {
    assert(entry.amount.currency === currency, `entry ${entry.entryRef} is in ${entry.amount.currency}, the account in ${currency}`);
    minor += parseAmount(entry.amount.amount, currency);
  }
  return { count: entries.length, minor };
}

function entryXml(e: StatementEntry): XmlObject {
  return {
    NtryRef: e.entryRef,
    Amt: amountXml(e.amount),
    CdtDbtInd: e.direction === 'credit' ? 'CRDT' : 'DBIT',
    Sts: { Cd: e.status ?? 'BOOK' },
    BookgDt: { DtTm: dateTimeXml(e.bookingDate) },
    BkTxCd: { Prtry: { Cd: e.kind.toUpperCase(), Issr: 'NOSTRO' } },
    NtryDtls: { TxDtls: transactionDetailsXml(e) },
  };
}

/** TxDtls: the payment's references, the other bank as the debtor's agent of a credit or the creditor's of a debit, and what it was. */
function transactionDetailsXml(e: StatementEntry): XmlObject {
  const counterparty = e.counterparty === undefined ? undefined : agentXml(e.counterparty);
  return {
    Refs: e.uetr === undefined && e.endToEndId === undefined ? undefined : { EndToEndId: e.endToEndId, UETR: e.uetr },
    RltdAgts: counterparty === undefined ? undefined : e.direction === 'credit' ? { DbtrAgt: counterparty } : { CdtrAgt: counterparty },
    AddtlTxInf: e.reference === undefined ? e.kind : `${e.kind}: ${e.reference}`,
  };
}
