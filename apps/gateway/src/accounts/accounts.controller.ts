import { Controller, Get, Inject, Req, UseFilters, UseGuards } from '@nestjs/common';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { ApiDoc, ok } from '../openapi/api-doc.decorator';
import { accountsSchema } from '../http/api.schemas';
import { LedgerClient } from '../ledger/ledger.client';
import { accountView } from './account.view';

/** The caller's settlement accounts (API.md "Accounts"), as of the last final block. */
@Controller('v1')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class AccountsController {
  constructor(@Inject(LedgerClient) private readonly ledger: LedgerClient) {}

  /** Settlement accounts as of the last final block; available = balance + net debit cap; queued = what its queued payments would debit. */
  @Get('accounts')
  @ApiDoc({
    summary: "The caller's settlement accounts",
    description:
      'As of the last final block. `available` is the balance plus the net debit cap; `queued` is the total debit of the payments waiting in the account’s liquidity queue.',
    tags: ['Accounts'],
    auth: 'bank',
    responses: ok('Balances', accountsSchema),
  })
  async accounts(@Req() req: AuthedRequest) {
    const { height, accounts } = await this.ledger.balances(participantOf(req));
    return { height, data: accounts.map(accountView) };
  }
}
