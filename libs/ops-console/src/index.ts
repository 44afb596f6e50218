/**
 * @nostro/ops-console: the operations console (docs/ops-console.md). The server half is a NestJS module the gateway
 * mounts on its own port (OpsConsoleModule.register) with the reads it needs passed in through OpsConsoleHost; the
 * browser half is libs/ops-console/ui, bundled by esbuild and served by the module at /ops.
 */
export { OpsConsoleModule } from './server/ops.module';
export type { OpsConsoleDeps } from './server/ops.module';
export { opsConfig } from './server/ops.config';
export type { OpsConfig } from './server/ops.config';
export type {
  OpsConsoleHost,
  OpsKeyView,
  OpsLedgerAccount,
  OpsOpenRecall,
  OpsOperator,
  OpsParticipantView,
  OpsPaymentView,
  OpsQueue,
  OpsQueueEntry,
  OpsQueuePage,
  OpsQueuesQuery,
  OpsStatementEntry,
  OpsStatementQuery,
  OpsStatementView,
  OpsWebhookEndpoint,
} from './server/ops-host.port';
