/** Kafka topic suffixes; the full name is `${KAFKA_TOPIC_PREFIX}${suffix}` (docs/architecture.md). */
export const Topic = {
  SETTLEMENT_REQUESTS: 'settlement.requests',
  LEDGER_TX: 'ledger.tx',
  LEDGER_SIGNATURES: 'ledger.signatures',
  LEDGER_FINALITY: 'ledger.finality',
  SETTLEMENT_EVENTS: 'settlement.events',
  DLQ: 'dlq',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

/**
 * Each participant's own finality-notice topic is `${KAFKA_TOPIC_PREFIX}ledger.notices.<participant id>`; the
 * validators create it when a final block first concerns the participant (docs/ledger.md, "Finality notices").
 */
export const LEDGER_NOTICES_TOPIC = 'ledger.notices.';
export const noticeTopicSuffix = (participant: string): string => `${LEDGER_NOTICES_TOPIC}${participant}`;

/** Kafka header carrying the correlation id across hops. */
export const CORRELATION_HEADER = 'x-correlation-id';
