import type { XmlElement } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';
import type { XmlObject } from '../xml/xml-writer';

/** A customer: name and account (an IBAN, in DbtrAcct/Id/IBAN, or any other identifier, in Othr/Id). */
export interface Party {
  name: string;
  account: string;
}

/** BICFIDec2014Identifier, anchored as XSD patterns are. */
const BICFI = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
/** IBAN2007Identifier. */
const IBAN = /^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$/;

/** A participant id (4–11 of [A-Z0-9]) as BranchAndFinancialInstitutionIdentification6: BICFI when it is one, else Othr/Id. */
export function agentXml(participantId: string): XmlObject {
  return { FinInstnId: BICFI.test(participantId) ? { BICFI: participantId } : { Othr: { Id: participantId } } };
}

/** The participant id of an agent (FinInstnId/BICFI or FinInstnId/Othr/Id). */
export function readAgent(agent: XmlElement): string {
  return agent.textAt('FinInstnId', 'BICFI') ?? agent.textAt('FinInstnId', 'Othr', 'Id') ?? refuse(`${agent.path}/FinInstnId`, 'needs BICFI or Othr/Id');
}

/** An account as CashAccount38/39 Id: IBAN when it is one, else Othr/Id. */
export function accountIdXml(account: string): XmlObject {
  return IBAN.test(account) ? { IBAN: account } : { Othr: { Id: account } };
}

/** The account of a CashAccount (Id/IBAN or Id/Othr/Id). */
export function readAccount(account: XmlElement): string {
  return account.textAt('Id', 'IBAN') ?? account.textAt('Id', 'Othr', 'Id') ?? refuse(`${account.path}/Id`, 'needs IBAN or Othr/Id');
}

/** A party element (Dbtr, Cdtr) and its account element (DbtrAcct, CdtrAcct), both required. */
export function readParty(transaction: XmlElement, partyElement: string, accountElement: string): Party {
  return { name: transaction.requiredText(partyElement, 'Nm'), account: readAccount(transaction.required(accountElement)) };
}
