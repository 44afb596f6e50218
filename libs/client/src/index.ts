export * from './types';
export * from './nostro-api.error';
export * from './http.transport';
export * from './nostro.client';
export * from './nostro-admin.client';
export * from './webhook';
export * from './condition';
export { verifyFinalityProof, type FinalityTrust, type FinalityVerdict } from '@nostro/shared';
export type { GroupStatus, Pacs008Message, Pacs008Transaction, StatusReport, StatusReportTransaction, TxStatus } from '@nostro/iso20022';
