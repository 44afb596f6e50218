import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ProblemError } from '@nostro/platform';
import { inclusionProof, leafBytes } from '@nostro/shared';
import { ChainService } from './chain.service';
import { LEDGER_CONFIG } from './tokens';
import { LedgerConfig } from './config';
import { LedgerRepository } from './ledger.repository';

const notFound = (what: string) => new ProblemError(404, 'not_found', 'Not found', what);

/** Internal read API of one validator (the gateway asks it for balances and finality proofs). */
@Controller('v1/ledger')
export class LedgerController {
  constructor(
    @Inject(LedgerRepository) private readonly repo: LedgerRepository,
    @Inject(ChainService) private readonly chain: ChainService,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get('status')
  async status() {
    return {
      validator: this.config.VALIDATOR_ID,
      height: this.chain.tipHeight,
      finalHeight: await this.repo.finalHeight(),
      halted: this.chain.haltReason(),
    };
  }

  /** Balances as of the last final block. Amounts are minor-unit strings. */
  @Get('participants/:participant/accounts')
  async accounts(@Param('participant') participant: string) {
    const height = await this.repo.finalHeight();
    return { height, accounts: await this.repo.balancesAt(participant, height) };
  }

  /** The finality proof of a transaction (by transaction id or UETR), once its block is final. */
  @Get('transactions/:id/finality')
  async finality(@Param('id') id: string) {
    const location = await this.repo.locate(id);
    if (!location) throw notFound('no such transaction in this ledger');
    const final = await this.repo.finality(location.height);
    if (!final) throw notFound('the transaction is not final yet');
    const [block, leaves] = await Promise.all([this.repo.block(this.repo.db, location.height), this.repo.leaves(this.repo.db, location.height)]);
    if (!block) throw notFound('block missing');
    return {
      block,
      signatures: final.signatures,
      quorum: this.config.LEDGER_QUORUM,
      transaction: leaves[location.idx],
      proof: inclusionProof(leaves.map(leafBytes), location.idx),
    };
  }
}
