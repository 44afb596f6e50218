/**
 * @nostro/iso20022: the ISO 20022 (2019 message set) documents banks' payment hubs speak, pure and Node-only.
 * guardXml refuses hostile XML before any parser sees it, validateXml/checkInbound check the official XSDs with
 * xmllint-wasm, and each message has a parser and a builder mapping it to and from Nostro's own shapes.
 */
export { XML_ISSUES_MAX, XmlRefusedError } from './xml/xml-refused.error';
export type { XmlIssue } from './xml/xml-refused.error';
export { guardXml, XML_BYTES_MAX, XML_DEPTH_MAX, XML_OUTGOING_BYTES_MAX } from './xml/xml-guard';
export { ISO20022_SCHEMAS, ISO20022_SCHEMAS_DIR } from './xml/xsd-schemas';
export * from './xml/xsd-validation';
export type { Party } from './fields/agent.fields';
export type { Money } from './fields/amount.fields';
export { CONDITION_NAMESPACE, CONDITION_PLACE, checkCondition, conditionXml, type PaymentCondition } from './fields/condition.fields';
export { settlementDeadline, type SettlementPriority, type SettlementTime } from './fields/settlement-time.fields';
export * from './pacs008/pacs008.types';
export * from './pacs008/pacs008.parser';
export * from './pacs008/pacs008.builder';
export * from './pacs002/pacs002.types';
export * from './pacs002/pacs002.builder';
export * from './pacs002/pacs002.parser';
export * from './recall/recall.types';
export * from './recall/camt056.builder';
export * from './recall/camt056.parser';
export * from './recall/camt029.builder';
export * from './recall/camt029.parser';
export * from './pacs004/pacs004.types';
export * from './pacs004/pacs004.builder';
export * from './pacs004/pacs004.parser';
export * from './camt053/camt053.types';
export * from './camt053/camt053.builder';
export * from './camt053/camt053.parser';
