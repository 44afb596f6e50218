import { readDateTime } from '../fields/amount.fields';
import { readAdditionalInfo, readReason } from '../fields/reason.fields';
import { readIsoMessage, XmlElement } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';
import { GROUP_STATUSES, GroupStatus, StatusReport, StatusReportTransaction, TX_STATUSES, TxStatus } from './pacs002.types';

/** Reads a pacs.002.001.11 (for the SDK and tests): one OrgnlGrpInfAndSts, and per TxInfAndSts a known TxSts and an OrgnlEndToEndId. */
export function parsePacs002(xml: string): StatusReport {
  const message = readIsoMessage(xml, 'FIToFIPmtStsRpt');
  const header = message.required('GrpHdr');
  const original = message.required('OrgnlGrpInfAndSts');
  const originalCreatedAt = original.textAt('OrgnlCreDtTm')?.trim();
  const groupStatus = original.at('GrpSts');
  return {
    messageId: header.requiredText('MsgId'),
    createdAt: readDateTime(header.required('CreDtTm')),
    originalMessageId: original.requiredText('OrgnlMsgId'),
    originalMessageNameId: original.requiredText('OrgnlMsgNmId'),
    ...(originalCreatedAt === undefined ? {} : { originalCreatedAt }),
    ...(groupStatus === undefined ? {} : { groupStatus: oneOf<GroupStatus>(GROUP_STATUSES, groupStatus) }),
    transactions: message.children('TxInfAndSts').map(readTransactionStatus),
  };
}

function readTransactionStatus(status: XmlElement): StatusReportTransaction {
  const uetr = status.textAt('OrgnlUETR');
  const txId = status.textAt('OrgnlTxId');
  const reasonInfo = status.at('StsRsnInf');
  const code = readReason(reasonInfo?.at('Rsn'));
  const additionalInfo = readAdditionalInfo(reasonInfo?.children('AddtlInf') ?? []);
  return {
    ...(uetr === undefined ? {} : { uetr: uetr.trim().toLowerCase() }),
    endToEndId: status.requiredText('OrgnlEndToEndId'),
    ...(txId === undefined ? {} : { txId }),
    status: oneOf<TxStatus>(TX_STATUSES, status.required('TxSts')),
    ...(code === undefined ? {} : { reason: { code, ...(additionalInfo === undefined ? {} : { additionalInfo }) } }),
  };
}

function oneOf<T extends string>(allowed: readonly T[], element: XmlElement): T {
  const value = element.text().trim();
  return (allowed as readonly string[]).includes(value) ? (value as T) : refuse(element.path, `${value} is not one of ${allowed.join(', ')}`);
}
