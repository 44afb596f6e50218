import { agentXml } from '../fields/agent.fields';
import { dateTimeXml } from '../fields/amount.fields';
import type { XmlObject } from '../xml/xml-writer';
import type { CaseAssignment } from './recall.types';

/** CaseAssignment5: Id (the message id), Assgnr and Assgne as agents, CreDtTm. */
export function caseAssignmentXml(messageId: string, a: CaseAssignment): XmlObject {
  return { Id: messageId, Assgnr: { Agt: agentXml(a.assigner) }, Assgne: { Agt: agentXml(a.assignee) }, CreDtTm: dateTimeXml(a.createdAt) };
}
