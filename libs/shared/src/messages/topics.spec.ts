import catalogJson from './topics.catalog.json';
import { TOPIC_CATALOG, Topic, parseTopicCatalog, topicSpec } from './topics';

const copy = (): { topics: Record<string, { suffix: string; partitions: number; config: Record<string, string> }> } => structuredClone(catalogJson);

describe('topic catalogue', () => {
  it('names the six fixed topics the services use, in catalogue order', () => {
    expect(Topic).toEqual({
      SETTLEMENT_REQUESTS: 'settlement.requests',
      LEDGER_TX: 'ledger.tx',
      LEDGER_SIGNATURES: 'ledger.signatures',
      LEDGER_FINALITY: 'ledger.finality',
      SETTLEMENT_EVENTS: 'settlement.events',
      DLQ: 'dlq',
    });
    expect(TOPIC_CATALOG.map((t) => t.suffix)).toEqual(Object.values(Topic));
  });

  // docs: INFRA.md "Topics and consumers"; docs/ledger.md
  it('keeps the ledger stream in one partition, forever, with broker timestamps', () => {
    expect(topicSpec('LEDGER_TX')).toMatchObject({ partitions: 1, config: { 'retention.ms': '-1', 'message.timestamp.type': 'LogAppendTime' } });
    expect(topicSpec('LEDGER_FINALITY').config['retention.ms']).toBe('-1');
  });

  it('cannot be changed at run time', () => {
    expect(() => {
      (Topic as Record<string, string>).LEDGER_TX = 'other';
    }).toThrow(TypeError);
    expect(() => {
      (topicSpec('LEDGER_TX').config as Record<string, string>)['retention.ms'] = '1';
    }).toThrow(TypeError);
  });

  const malformed: [string, (c: ReturnType<typeof copy>) => void, RegExp][] = [
    ['zero partitions', (c) => (c.topics.DLQ.partitions = 0), /partitions/],
    ['fractional partitions', (c) => (c.topics.DLQ.partitions = 1.5), /partitions/],
    ['a name Kafka refuses', (c) => (c.topics.DLQ.suffix = 'dead letters'), /suffix/],
    ['a config value with a comma', (c) => (c.topics.DLQ.config = { 'cleanup.policy': 'compact,delete' }), /config value/],
    ['a numeric config value', (c) => ((c.topics.DLQ.config as Record<string, unknown>)['retention.ms'] = -1), /config/],
    ['an unknown field', (c) => ((c.topics.DLQ as Record<string, unknown>).replicas = 3), /replicas/],
    ['a lower-case key', (c) => (c.topics.dlq = c.topics.DLQ), /UPPER_SNAKE_CASE/],
    ['one topic twice', (c) => (c.topics.DEAD_LETTERS = { ...c.topics.DLQ }), /dlq is listed twice/],
    ['no topics', (c) => (c.topics = {}), /no topics/],
  ];
  it.each(malformed)('refuses a catalogue with %s', (_what, edit, error) => {
    const broken = copy();
    edit(broken);
    expect(() => parseTopicCatalog(broken)).toThrow(error);
  });
});
