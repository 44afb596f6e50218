import { dateTimeXml } from '../fields/amount.fields';
import { additionalInfoXml, reasonXml } from '../fields/reason.fields';
import { renderIsoDocument, XmlObject } from '../xml/xml-writer';
import { StatusReport, StatusReportTransaction } from './pacs002.types';

/**
 * FIToFIPmtStsRpt: GrpHdr, one OrgnlGrpInfAndSts (OrgnlMsgId, OrgnlMsgNmId, OrgnlCreDtTm and GrpSts when given),
 * one TxInfAndSts per transaction (OrgnlEndToEndId, OrgnlTxId, OrgnlUETR, TxSts, StsRsnInf/Rsn/Cd + AddtlInf).
 */
export function buildPacs002(report: StatusReport): string {
  return renderIsoDocument('pacs.002.001.11', 'FIToFIPmtStsRpt', {
    GrpHdr: { MsgId: report.messageId, CreDtTm: dateTimeXml(report.createdAt) },
    OrgnlGrpInfAndSts: {
      OrgnlMsgId: report.originalMessageId,
      OrgnlMsgNmId: report.originalMessageNameId,
      OrgnlCreDtTm: report.originalCreatedAt,
      GrpSts: report.groupStatus,
    },
    TxInfAndSts: report.transactions.map(transactionStatusXml),
  });
}

function transactionStatusXml(t: StatusReportTransaction): XmlObject {
  return {
    OrgnlEndToEndId: t.endToEndId,
    OrgnlTxId: t.txId,
    OrgnlUETR: t.uetr,
    TxSts: t.status,
    StsRsnInf: t.reason === undefined ? undefined : { Rsn: reasonXml(t.reason.code), AddtlInf: additionalInfoXml(t.reason.additionalInfo) },
  };
}
