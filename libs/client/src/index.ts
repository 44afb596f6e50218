export * from './types';
export * from './nostro-api.error';
export * from './http.transport';
export * from './nostro.client';
export * from './nostro-admin.client';
export * from './webhook';
export { verifyFinalityProof, type FinalityTrust, type FinalityVerdict } from '@nostro/shared';
