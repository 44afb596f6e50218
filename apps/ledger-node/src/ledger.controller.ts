import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ProblemError } from '@nostro/platform';
import { AccountState, LedgerLeaf, debitOf, queuedTotals } from '@nostro/shared';
import { FinalBlockCache } from './final-block.cache';
import { ChainService } from './chain.service';
import { LEDGER_CONFIG } from './tokens';
import { LedgerConfig } from './config';
import { LedgerRepository } from './ledger.repository';

/** Blocks applied but not final that a balance query walks back through; more means finality is stuck. */
const FINALITY_LAG_MAX_BLOCKS = 1_000;

const notFound = (what: string) => new ProblemError(404, 'not_found', 'Not found', what);
const HEIGHT = /^[1-9][0-9]{0,15}$/;

/** Balances minus what the given (later, not yet final) blocks accepted. */
function rewind(accounts: AccountState[], blocks: LedgerLeaf[][]): AccountState[] {
  const byId = new Map(accounts.map((a) => [a.id, { ...a }]));
  for (const leaf of blocks.flat()) {
    if (leaf.kind !== 'transfer' || leaf.outcome.status !== 'accepted') continue;
    for (const p of leaf.postings ?? []) {
      const account = byId.get(p.account);
      if (account) account.balance -= BigInt(p.amount);
    }
  }
  return [...byId.values()];
}

/** Internal read API of one validator (the gateway asks it for balances and finality proofs). */
@Controller('v1/ledger')
export class LedgerController {
  constructor(
    @Inject(LedgerRepository) private readonly repo: LedgerRepository,
    @Inject(ChainService) private readonly chain: ChainService,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  /** Proofs of recently asked final blocks (final blocks never change). */
  private readonly finalBlocks = new FinalBlockCache();

  @Get('status')
  async status() {
    return {
      validator: this.config.VALIDATOR_ID,
      height: this.chain.tipHeight,
      finalHeight: await this.repo.finalHeight(),
      nextOffset: this.chain.nextOffset.toString(),
      halted: this.chain.haltedBecause(),
    };
  }

  /** Balances as of the last final block. Amounts are minor-unit strings. */
  @Get('participants/:participant/accounts')
  async accounts(@Param('participant') participant: string) {
    const { height, accounts: current, later, queued: waiting } = await this.repo.accountsAtFinal(participant, FINALITY_LAG_MAX_BLOCKS + 1);
    if (later.length > FINALITY_LAG_MAX_BLOCKS) {
      throw new ProblemError(503, 'finality_lagging', 'Finality lagging', `more than ${FINALITY_LAG_MAX_BLOCKS} blocks await a quorum`, undefined, {
        'retry-after': '1',
      });
    }
    const queued = queuedTotals(waiting);
    const accounts = rewind(current, later).map((a) => ({
      account: a.id,
      currency: a.currency,
      balance: a.balance.toString(),
      netDebitCap: a.netDebitCap === null ? null : a.netDebitCap.toString(),
      queued: (queued.get(a.id) ?? 0n).toString(),
    }));
    return { height, accounts };
  }

  /**
   * Every liquidity queue (docs/ledger.md, "Liquidity queue") as of the last block this validator applied: each
   * debtor account with its balance and what waits on it, in order of arrival. Amounts are minor-unit strings (what
   * each transfer debits the account), times Unix ms (arrival by broker time; the block time of its deadline).
   */
  @Get('queues')
  async queues() {
    const waiting = await this.repo.queuedTransfers(this.repo.db);
    const accounts = new Map((await this.repo.accountsById(this.repo.db, [...new Set(waiting.map((w) => w.account))])).map((a) => [a.id, a]));
    const totals = queuedTotals(waiting);
    const queues = [...totals.keys()].sort().map((id) => {
      const account = accounts.get(id);
      return {
        account: id,
        participant: account?.participant ?? id.split(':')[0],
        currency: account?.currency ?? id.split(':')[1],
        balance: (account?.balance ?? 0n).toString(),
        netDebitCap: account?.netDebitCap === null || account === undefined ? null : account.netDebitCap.toString(),
        queued: (totals.get(id) ?? 0n).toString(),
        entries: waiting
          .filter((w) => w.account === id)
          .map((w) => ({
            seq: w.seq,
            id: w.tx.id,
            uetr: w.tx.uetr ?? null,
            amount: debitOf(w.tx, id).toString(),
            arrivedAt: w.arrivedAt,
            expiresAt: w.expiresAt,
          })),
      };
    });
    return { height: this.chain.tipHeight, queues };
  }

  /** A block header with its finality record (if final) and its transactions' outcomes. */
  @Get('blocks/:height')
  async block(@Param('height') heightText: string) {
    if (!HEIGHT.test(heightText)) throw notFound('no such block');
    const height = Number(heightText);
    const [block, final, leaves] = await Promise.all([
      this.repo.block(this.repo.db, height),
      this.repo.finality(height),
      this.repo.leaves(this.repo.db, height),
    ]);
    if (!block) throw notFound('no such block');
    return {
      block,
      final: final !== null,
      signatures: final?.signatures ?? [],
      transactions: leaves.map((l) => ({
        id: l.id,
        ...(l.uetr ? { uetr: l.uetr } : {}),
        ...(l.returnId ? { returnId: l.returnId } : {}),
        kind: l.kind,
        outcome: l.outcome,
      })),
    };
  }

  /** The finality proof of a transaction (by transaction id or UETR), once its block is final. */
  @Get('transactions/:id/finality')
  async finality(@Param('id') id: string) {
    const location = await this.repo.locate(id);
    if (!location) throw notFound('no such transaction in this ledger');
    const final = await this.repo.finality(location.height);
    if (!final) throw notFound('the transaction is not final yet');
    const block = await this.repo.block(this.repo.db, location.height);
    if (!block) throw notFound('block missing');
    const { leaves, proofs } = await this.finalBlocks.proofs(block.hash, () => this.repo.leaves(this.repo.db, location.height));
    return { block, signatures: final.signatures, quorum: this.config.LEDGER_QUORUM, transaction: leaves[location.idx], proof: proofs[location.idx] };
  }
}
