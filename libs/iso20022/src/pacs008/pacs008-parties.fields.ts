import { accountIdXml, agentXml, Party } from '../fields/agent.fields';
import type { XmlObject } from '../xml/xml-writer';

/** Dbtr … CdtrAcct and RmtInf of a CreditTransferTransaction43, in schema order (spread after ChrgBr/ChrgsInf). */
export function partiesXml(p: { debtor: Party; creditor: Party; debtorAgent: string; creditorAgent: string; remittanceInfo?: string }): XmlObject {
  return {
    Dbtr: { Nm: p.debtor.name },
    DbtrAcct: { Id: accountIdXml(p.debtor.account) },
    DbtrAgt: agentXml(p.debtorAgent),
    CdtrAgt: agentXml(p.creditorAgent),
    Cdtr: { Nm: p.creditor.name },
    CdtrAcct: { Id: accountIdXml(p.creditor.account) },
    RmtInf: p.remittanceInfo === undefined ? undefined : { Ustrd: [p.remittanceInfo] },
  };
}
