import { randomUUID } from 'node:crypto';
import {
  BlockCutter,
  LedgerEntry,
  LedgerSnapshot,
  LedgerState,
  SealedBlock,
  base64UrlEncode,
  generateEd25519KeyPair,
  genesisPrevHash,
  systemAccountSpecs,
  verifyBlockSignature,
} from '@nostro/shared';
import { BlockPipeline, FeedControl, StreamEntry } from './block.pipeline';
import { LedgerConfig } from './config';
import { FinalityService } from './finality.service';
import { LedgerRepository, OwnSignature } from './ledger.repository';

const keys = generateEd25519KeyPair();
const config = {
  VALIDATOR_ID: 'v0',
  NETWORK_ID: 'pipeline-test',
  BLOCK_MAX_TX: 3,
  LEDGER_QUORUM: 2,
  KAFKA_TOPIC_PREFIX: 'test.',
  signingSeed: base64UrlEncode(keys.seed),
} as LedgerConfig;

/** A validator database in memory: what the pipeline stores, and the snapshot it reloads. */
class MemoryLedger {
  blocks: { block: SealedBlock; own: OwnSignature }[] = [];
  snapshot: LedgerSnapshot = { accounts: [], suspended: [] };
  /** Makes the next block write fail once (a lost connection). */
  failNextWrite = false;

  asRepository(): LedgerRepository {
    return {
      loadSnapshot: async () => structuredClone(this.snapshot),
      loadTip: async () => {
        const last = this.blocks[this.blocks.length - 1];
        return last ? { height: last.block.header.height, hash: last.block.hash, nextOffset: BigInt(last.block.lastOffset) + 1n } : { height: 0, hash: null, nextOffset: null };
      },
      knownIds: async (ids: readonly string[]) => new Set(ids.filter((id) => this.blocks.some((b) => b.block.leaves.some((l) => l.id === id)))),
      insertBlock: async (block: SealedBlock, own: OwnSignature) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.failNextWrite) {
          this.failNextWrite = false;
          throw new Error('connection lost');
        }
        this.blocks.push({ block, own });
        for (const a of [...block.createdAccounts, ...block.updatedAccounts]) {
          this.snapshot.accounts = [...this.snapshot.accounts.filter((x) => x.id !== a.id), { ...a }];
        }
        if (block.suspended) this.snapshot.suspended = block.suspended;
        return [];
      },
    } as unknown as LedgerRepository;
  }
}

const finality = { afterOwnBlock: async () => 'pending' } as unknown as FinalityService;
const running: FeedControl = { isRunning: () => true, heartbeat: async () => undefined };

const bootstrap: LedgerEntry = { kind: 'config', id: 'bootstrap', op: 'open_accounts', accounts: [...systemAccountSpecs(['USD']), { account: 'BANKAAAA:USD', netDebitCap: '0' }] };
const deposit = (amount: bigint): LedgerEntry => ({
  kind: 'transfer',
  id: randomUUID(),
  postings: [
    { account: 'EXTERNAL:USD', currency: 'USD', amount: (-amount).toString() },
    { account: 'BANKAAAA:USD', currency: 'USD', amount: amount.toString() },
  ],
});
const stream = (entries: LedgerEntry[], from = 0): StreamEntry[] => entries.map((entry, i) => ({ entry, offset: String(from + i), timestamp: 1_700_000_000_000 + from + i }));

/** The blocks the bare cutter seals from the same stream: what every validator must agree on. */
function cutByHand(items: StreamEntry[]): SealedBlock[] {
  const cutter = new BlockCutter(new LedgerState(), { nextHeight: 1, prevHash: genesisPrevHash(config.NETWORK_ID), nextOffset: 0n }, { blockMaxTx: config.BLOCK_MAX_TX, isKnown: () => false });
  const blocks: SealedBlock[] = [];
  for (const item of items) {
    const result = cutter.feed(item.entry, item.offset, item.timestamp);
    if (result.kind === 'sealed') blocks.push(result.block);
  }
  return blocks;
}

describe('BlockPipeline', () => {
  it('stores the blocks the cutter seals, in order, each signed by this validator, and commits the offset after each', async () => {
    const db = new MemoryLedger();
    const pipeline = new BlockPipeline(config, db.asRepository(), finality, () => false);
    await pipeline.reload();
    const items = stream([bootstrap, ...Array.from({ length: 8 }, (_, i) => deposit(BigInt(100 + i)))]);
    pipeline.beginBatch();
    await pipeline.feedChunk(items, running);
    await pipeline.drainWrites();

    expect(db.blocks.map((b) => b.block.hash)).toEqual(cutByHand(items).map((b) => b.hash));
    expect(db.blocks.map((b) => b.block.header.height)).toEqual([1, 2, 3]);
    for (const { block, own } of db.blocks) {
      expect(own).toMatchObject({ validator: 'v0', quorum: 2, topic: 'test.ledger.signatures', payload: { validator: 'v0', height: block.header.height, hash: block.hash } });
      expect(verifyBlockSignature(block.hash, own.signature, keys.publicKey)).toBe(true);
    }
    expect(pipeline.committed).toEqual({ height: 3, nextOffset: 9n });
    expect(pipeline.nextFeedOffset).toBe(9n);
    expect(pipeline.pendingCount).toBe(0);
    expect(pipeline.pendingSince).toBeNull();
  });

  it('keeps an open block pending, with the time it started waiting, until a marker for its height closes it', async () => {
    const db = new MemoryLedger();
    const pipeline = new BlockPipeline(config, db.asRepository(), finality, () => false);
    await pipeline.reload();
    const before = Date.now();
    await pipeline.feedChunk(stream([bootstrap, deposit(5n)]), running);
    expect({ height: pipeline.nextHeight, pending: pipeline.pendingCount }).toEqual({ height: 1, pending: 2 });
    expect(pipeline.pendingSince).toBeGreaterThanOrEqual(before);
    await pipeline.feedChunk(stream([{ kind: 'cut', height: 1, validator: 'v1' }], 2), running);
    await pipeline.drainWrites();
    expect(db.blocks.map((b) => b.block.header.txCount)).toEqual([2]);
    expect(pipeline.pendingSince).toBeNull();
  });

  it('after a failed write, reloads from the last committed block and re-cuts the same blocks, applying nothing twice', async () => {
    const db = new MemoryLedger();
    const pipeline = new BlockPipeline(config, db.asRepository(), finality, () => false);
    await pipeline.reload();
    const items = stream([bootstrap, ...Array.from({ length: 8 }, (_, i) => deposit(BigInt(100 + i)))]);
    await pipeline.feedChunk(items.slice(0, 3), running);
    await pipeline.drainWrites();
    db.failNextWrite = true;
    await expect(pipeline.feedChunk(items.slice(3), running).then(() => pipeline.drainWrites())).rejects.toThrow('connection lost');
    await pipeline.settleWrites();

    await pipeline.reload();
    expect(pipeline.committed).toEqual({ height: 1, nextOffset: 3n });
    pipeline.beginBatch();
    await pipeline.feedChunk(items.slice(Number(pipeline.committed.nextOffset)), running);
    await pipeline.drainWrites();
    expect(db.blocks.map((b) => b.block.hash)).toEqual(cutByHand(items).map((b) => b.hash));
    expect(db.snapshot.accounts.find((a) => a.id === 'BANKAAAA:USD')?.balance).toBe(BigInt(Array.from({ length: 8 }, (_, i) => 100 + i).reduce((s, a) => s + a, 0)));
  });

  it('writes nothing once the validator halted', async () => {
    const db = new MemoryLedger();
    let halted = false;
    const pipeline = new BlockPipeline(config, db.asRepository(), finality, () => halted);
    await pipeline.reload();
    halted = true;
    await pipeline.feedChunk(stream([bootstrap, deposit(1n), deposit(2n)]), running);
    await expect(pipeline.drainWrites()).rejects.toThrow('validator halted');
    expect(db.blocks).toEqual([]);
  });
});
