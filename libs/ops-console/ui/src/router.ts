import { SessionInfo } from './api';
import { auditPage } from './pages/audit';
import { blockPage, blocksPage } from './pages/blocks';
import { heldPage } from './pages/held';
import { overviewPage } from './pages/overview';
import { participantPage, participantsPage } from './pages/participants';
import { paymentPage } from './pages/payment';
import { paymentsPage } from './pages/payments';
import { queuesPage } from './pages/queues';
import { recallsPage } from './pages/recalls';
import { requestsPage } from './pages/requests';
import { LiveStream } from './stream';

export interface PageContext {
  session: SessionInfo;
  stream: LiveStream;
  go(hash: string): void;
}

export interface Page {
  title: string;
  el: HTMLElement;
  destroy?(): void;
}

/** `#/path?query` → the page. Unknown paths show the overview's not-found text. */
export async function route(path: string, ctx: PageContext): Promise<Page> {
  const [pathname, query = ''] = path.split('?');
  const params = new URLSearchParams(query);
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  switch (parts[0] ?? '') {
    case '':
      return overviewPage(ctx);
    case 'payments':
      return parts[1] ? paymentPage(ctx, parts[1]) : paymentsPage(ctx, params);
    case 'held':
      return heldPage(ctx);
    case 'queues':
      return queuesPage(ctx, params);
    case 'recalls':
      return recallsPage(ctx, params);
    case 'requests':
      return requestsPage(ctx, params, parts[1]);
    case 'blocks':
      return parts[1] ? blockPage(ctx, parts[1]) : blocksPage(ctx, params);
    case 'participants':
      return parts[1] ? participantPage(ctx, parts[1]) : participantsPage(ctx);
    case 'audit':
      return auditPage(ctx, params);
    default:
      throw new Error(`There is no page at ${pathname}.`);
  }
}
