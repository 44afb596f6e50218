import { readAmount, Money } from '../fields/amount.fields';
import { XML_OUTGOING_BYTES_MAX } from '../xml/xml-guard';
import { readIsoMessage, XmlElement } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';
import { EntryDirection, StatementSummary } from './camt053.types';

/**
 * Reads back what a bank reconciles of a camt.053.001.08 (for the SDK and tests): the first Stmt's balances (signed
 * again) and entries. A statement is written by the gateway and may be long: up to XML_OUTGOING_BYTES_MAX.
 */
export function parseCamt053(xml: string): StatementSummary {
  const message = readIsoMessage(xml, 'BkToCstmrStmt', XML_OUTGOING_BYTES_MAX);
  const statement = message.required('Stmt');
  const balances = statement.children('Bal');
  return {
    messageId: message.requiredText('GrpHdr', 'MsgId'),
    statementId: statement.requiredText('Id'),
    accountId: statement.textAt('Acct', 'Id', 'Othr', 'Id') ?? statement.requiredText('Acct', 'Id', 'IBAN'),
    interim: statement.textAt('AddtlStmtInf')?.trim().toUpperCase().startsWith('INTERIM') ?? false,
    openingBalance: signedBalance(balances, ['OPBD', 'PRCD'], `${statement.path}/Bal`),
    closingBalance: signedBalance(balances, ['CLBD', 'ITBD'], `${statement.path}/Bal`),
    entries: statement.children('Ntry').map((entry) => ({
      entryRef: entry.requiredText('NtryRef'),
      amount: readAmount(entry.required('Amt')),
      direction: readDirection(entry.required('CdtDbtInd')),
    })),
  };
}

/** The first balance of one of these types, negative when DBIT (zero keeps no sign). */
function signedBalance(balances: XmlElement[], codes: string[], path: string): Money {
  const balance = balances.find((candidate) => codes.includes(candidate.textAt('Tp', 'CdOrPrtry', 'Cd')?.trim() ?? ''));
  if (balance === undefined) return refuse(path, `needs a ${codes[0]} balance`);
  const amount = readAmount(balance.required('Amt'));
  const debit = readDirection(balance.required('CdtDbtInd')) === 'debit' && /[1-9]/.test(amount.amount);
  return debit ? { amount: `-${amount.amount}`, currency: amount.currency } : amount;
}

function readDirection(indicator: XmlElement): EntryDirection {
  const code = indicator.text().trim();
  if (code === 'CRDT') return 'credit';
  return code === 'DBIT' ? 'debit' : refuse(indicator.path, `${code} is neither CRDT nor DBIT`);
}
