import { ListCursorCodec, parseOrProblem } from '@nostro/platform';
import { LedgerClient } from '../ledger/ledger.client';
import { queueView } from './queue.view';
import { queuesQuerySchema } from './queues.schemas';

/** Operators' view of the validators' liquidity queues (API.md "Liquidity queue"): read, filtered, paginated by account. */
export class QueuesService {
  constructor(
    private readonly ledger: LedgerClient,
    private readonly cursors: ListCursorCodec,
    private readonly now: () => number = Date.now,
  ) {}

  /** `GET /v1/admin/queues`: one page of queues in account order, as of the last block the first validator that answers applied. */
  async list(query: unknown) {
    const q = parseOrProblem(queuesQuerySchema, query, 'query');
    const after = q.cursor ? this.cursors.decode('admin-queues', q.cursor, 1)[0] : undefined;
    const { height, queues } = await this.ledger.queues();
    const matching = queues
      .filter((x) => x.entries.length > 0)
      .filter((x) => (!q.participant || x.participant === q.participant) && (!q.currency || x.currency === q.currency))
      .filter((x) => after === undefined || x.account > after)
      .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
    const page = matching.slice(0, q.limit);
    const now = this.now();
    const last = page[page.length - 1];
    return {
      height,
      at: new Date(now).toISOString(),
      data: page.map((x) => queueView(x, now)),
      nextCursor: matching.length > q.limit && last ? this.cursors.encode('admin-queues', [last.account]) : null,
    };
  }
}
