import { Module } from '@nestjs/common';
import { ConfigError, KafkaPgTransport, OpsModule, PgListener, Runtime, runService, startOrExit } from '@nostro/platform';
import { base64UrlEncode, publicKeyFromSeed } from '@nostro/shared-node';
import { Kafka, logLevel } from 'kafkajs';
import path from 'node:path';
import { ChainService } from './chain.service';
import { LedgerConfig, ledgerConfig } from './config';
import { FinalityService } from './finality.service';
import { LedgerController } from './ledger.controller';
import { LEDGER_FINAL_CHANNEL, LedgerRepository } from './ledger.repository';
import { NoticeTopics } from './notice-topics';
import { NoticePublisher } from './notice.publisher';
import { EntriesController } from './entries.controller';
import { EntriesRepository } from './entries.repository';
import { EntryIndexer } from './entry.indexer';
import { NoticeRepository } from './notice.repository';
import { SignaturesHandler } from './signatures.handler';
import { LEDGER_CONFIG } from './tokens';
import { OpsBlocksController } from './ops-blocks.controller';
import { OpsBlocksRepository } from './ops-blocks.repository';

const LEDGER_POOL_MAX = 6;

function assertOwnKey(config: LedgerConfig): void {
  const own = config.VALIDATOR_PUBLIC_KEYS.find((v) => v.id === config.VALIDATOR_ID);
  if (base64UrlEncode(publicKeyFromSeed(Buffer.from(config.signingSeed, 'base64url'))) !== own?.publicKey) {
    throw new ConfigError('invalid configuration: VALIDATOR_SIGNING_KEY_FILE: the key does not match this validator in VALIDATOR_PUBLIC_KEYS');
  }
}

async function main(): Promise<void> {
  const config = ledgerConfig();
  assertOwnKey(config);
  // Block writes and signature handling are sequential: a small pool leaves the shared Postgres connections to others.
  const rt = await Runtime.create(`ledger-node-${config.VALIDATOR_ID}`, config, path.join(__dirname, '..', 'migrations'), LEDGER_POOL_MAX);
  if (!rt) return;
  const repo = new LedgerRepository(rt.pool);
  const noticeQueue = config.LEDGER_NOTICES ? new NoticeRepository(rt.pool) : null;
  const finality = new FinalityService(config, repo, rt.log, noticeQueue);
  // Its own quiet client: losing a topic-creation race to another validator is normal, not an error to log.
  const adminKafka = new Kafka({ clientId: `${rt.name}-notice-topics`, brokers: config.KAFKA_BROKERS, connectionTimeout: 3_000, logLevel: logLevel.NOTHING });
  const noticeTopics = new NoticeTopics(
    adminKafka,
    { topicPrefix: config.KAFKA_TOPIC_PREFIX, replicationFactor: config.LEDGER_NOTICE_REPLICATION_FACTOR, retentionMs: config.LEDGER_NOTICE_RETENTION_MS },
    rt.log,
  );
  const publisher = noticeQueue ? new NoticePublisher(config, repo, noticeQueue, rt.producer, noticeTopics, rt.log) : null;
  const chain = new ChainService(config, repo, rt.kafka, rt.producer, finality, rt.log);
  const entries = new EntriesRepository(rt.pool);
  const indexer = new EntryIndexer(entries, repo, rt.log);
  finality.onDivergence = (reason) => chain.halt(reason);
  const transport = new KafkaPgTransport({
    kafka: rt.kafka,
    pool: rt.pool,
    groupId: `ledger-${config.VALIDATOR_ID}-signatures`,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    log: rt.log,
    inboxRetentionHours: config.INBOX_RETENTION_HOURS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
  });

  // Blocks becoming final (committed by the chain, the signatures consumer or the sweep) wake the notice publisher
  // and the entry indexer once they run; after a lost LISTEN connection they look again at once.
  let started = false;
  // The payload is the final height (`notifyFinal`); a reconnected listener passes none.
  const wakeOnFinal = (payload?: string): void => {
    if (!started) return;
    publisher?.wake();
    indexer.wake(payload ? Number(payload) : undefined);
  };
  const finalListener = new PgListener(rt.pool, rt.log);
  await finalListener.listen(LEDGER_FINAL_CHANNEL, wakeOnFinal, wakeOnFinal);

  @Module({
    imports: [
      OpsModule.forRoot([
        ...rt.readinessChecks(),
        { name: 'ledger-stream', check: () => chain.isRunning() },
        { name: 'signatures-consumer', check: () => transport.isConnected() },
      ]),
    ],
    controllers: [LedgerController, EntriesController, SignaturesHandler, OpsBlocksController],
    providers: [
      { provide: LEDGER_CONFIG, useValue: config },
      { provide: LedgerRepository, useValue: repo },
      { provide: ChainService, useValue: chain },
      { provide: FinalityService, useValue: finality },
      { provide: OpsBlocksRepository, useValue: new OpsBlocksRepository(rt.pool) },
      { provide: EntriesRepository, useValue: entries },
    ],
  })
  class LedgerModule {}

  await runService({
    name: rt.name,
    host: config.HOST,
    port: config.PORT,
    log: rt.log,
    module: LedgerModule,
    transports: [transport],
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: async () => {
      await chain.stop();
      await finalListener.close();
      await publisher?.stop();
      await indexer.stop();
      await noticeTopics.close();
      await rt.close();
    },
  });
  rt.connectInBackground(() => {
    chain.start();
    publisher?.start();
    indexer.start();
    started = true;
  });
}

startOrExit(main);
