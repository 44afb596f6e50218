import { Pool, READ_SNAPSHOT, withTransaction } from '@nostro/platform';
import { CustomerData } from '../customer-data/customer-data.service';
import { keyView, participantView } from '../admin/admin.service';
import { ExceptionsRepository, NO_EXCEPTIONS } from '../exceptions/exceptions.repository';
import { Iso20022Service } from '../iso20022/iso20022.service';
import { LedgerClient } from '../ledger/ledger.client';
import { OperatorsRepository } from '../operators/operators.repository';
import { ParticipantsRepository } from '../participants/participants.repository';
import { paymentView } from '../payments/payment.view';
import { PaymentsRepository } from '../payments/payments.repository';
import { ScreeningAdminService } from '../screening/screening-admin.service';
import { QueuesService } from '../queues/queues.service';
import { StatementsService } from '../statements/statements.service';
import { WebhookAdminService } from '../webhooks/webhook-admin.service';
import { OpsConsoleHost, OpsOpenRecall, OpsQueuePage, OpsQueuesQuery, OpsStatementQuery, OpsStatementView } from '@nostro/ops-console';

/**
 * The gateway's side of the operations console's port: each read goes to the repository or service the bank and
 * operator APIs use, and answers with the same view they do.
 */
export class GatewayOpsHost implements OpsConsoleHost {
  constructor(
    private readonly pool: Pool,
    private readonly operators: OperatorsRepository,
    private readonly payments: PaymentsRepository,
    private readonly participantRows: ParticipantsRepository,
    private readonly ledger: LedgerClient,
    private readonly screening: ScreeningAdminService,
    private readonly webhooks: WebhookAdminService,
    private readonly exceptions: ExceptionsRepository,
    private readonly statements: StatementsService,
    private readonly iso: Iso20022Service,
    private readonly customerData: CustomerData,
    private readonly queueService: QueuesService,
  ) {}

  operatorByTokenHash(tokenHash: string) {
    return this.operators.byTokenHash(tokenHash);
  }

  async payment(uetr: string) {
    // One snapshot for the row, its timeline and its recall and returns (as the bank and operator APIs read them).
    const read = await withTransaction(
      this.pool,
      async (db) => {
        const found = await this.payments.findAny(uetr, db);
        return (
          found && { row: found, timelines: await this.payments.timelines([found.uetr], db), exceptions: await this.exceptions.forPayments([found.uetr], db) }
        );
      },
      READ_SNAPSHOT,
    );
    if (!read) return null;
    const { row, timelines, exceptions } = read;
    return this.customerData.fill(paymentView(row, timelines.get(row.uetr) ?? [], this.customerData.open(row), exceptions.get(row.uetr) ?? NO_EXCEPTIONS));
  }

  async participants(limit: number) {
    return (await this.participantRows.list(limit)).map(participantView);
  }

  async participant(id: string) {
    const row = await this.participantRows.find(id);
    return row ? participantView(row) : null;
  }

  async participantKeys(id: string) {
    return (await this.participantRows.keys(id)).map(keyView);
  }

  screeningLimits(id: string) {
    return this.screening.limits(id);
  }

  webhookEndpoints() {
    return this.webhooks.endpoints();
  }

  ledgerBalances(participant: string) {
    return this.ledger.balances(participant);
  }

  finality(id: string) {
    return this.ledger.finality(id);
  }

  /** Built by the bank API's own service, so the console shows the statement the bank reconciles with. */
  statement(participant: string, currency: string, query: OpsStatementQuery): Promise<OpsStatementView> {
    return this.statements.statement(participant, currency, statementQuery(query));
  }

  async statementXml(participant: string, currency: string, query: OpsStatementQuery): Promise<string> {
    return this.iso.statement(await this.statements.statement(participant, currency, statementQuery(query)), participant);
  }

  /** The operator API's own service of `GET /v1/admin/queues`, so the console pages with that list's cursor. */
  queues(query: OpsQueuesQuery): Promise<OpsQueuePage> {
    return this.queueService.list(queuesQuery(query));
  }

  async openRecalls(limit: number, after?: { at: string; id: string }): Promise<OpsOpenRecall[]> {
    const rows = await this.exceptions.openRecalls(limit, after);
    return this.customerData.fill(
      rows.map((r) => ({
        recallId: r.recall_id,
        uetr: r.uetr,
        reason: r.reason,
        comment: r.comment,
        requestedAt: r.requested_at.toISOString(),
        respondBy: r.respond_by.toISOString(),
        debtor: r.debtor,
        creditor: r.creditor,
        amount: r.receive_amount,
        currency: r.target_currency,
        cursorAt: r.cursor_at,
      })),
    );
  }
}

/** The queue query as the operator API receives it (query-string text), which QueuesService validates. */
function queuesQuery(q: OpsQueuesQuery): Record<string, string> {
  return {
    limit: String(q.limit),
    ...(q.participant === undefined ? {} : { participant: q.participant }),
    ...(q.currency === undefined ? {} : { currency: q.currency }),
    ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
  };
}

/** The statement query as the bank API receives it (query-string text), which StatementsService validates. */
function statementQuery(q: OpsStatementQuery): Record<string, string> {
  return {
    ...(q.date === undefined ? {} : { date: q.date }),
    ...(q.fromHeight === undefined ? {} : { fromHeight: String(q.fromHeight) }),
    ...(q.toHeight === undefined ? {} : { toHeight: String(q.toHeight) }),
  };
}
