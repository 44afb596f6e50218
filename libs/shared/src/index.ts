/**
 * @nostro/shared: the portable domain (money, pricing, payment and ledger rules, message schemas, Merkle trees,
 * finality proofs, strict Ed25519 with @noble/curves). No Node built-in anywhere (ESLint refuses them), so the ops
 * console bundles it for the browser; the node:crypto fast paths are in @nostro/shared-node, which re-exports this.
 */
export * from './money/index';
export * from './fx/pricing';
export * from './payment/payment-status';
export * from './messages/topics';
export * from './messages/schemas';
export * from './messages/message-id';
export * from './ledger/ledger-state';
export * from './ledger/ledger-rejection';
export * from './ledger/ledger-invariants';
export * from './ledger/block-cutter';
export * from './payment/payment-transaction';
export * from './fx/quote-request';
export * from './crypto/base64';
export * from './crypto/sha256';
export * from './crypto/ed25519-strict';
export * from './chain/canonical-json';
export * from './chain/merkle';
export * from './chain/block-header';
export * from './chain/finality-proof';
export * from './http-signature/header-fields';
export * from './http-signature/signature-fields';
export * from './http-signature/signature-base';
export * from './payment/payment-hold';
export * from './payment/payment-decision';
export * from './payment/payment-return';
export * from './payment/reconciliation';
export * from './ledger/ledger-leaf';
export * from './ledger/account-entries';
export * from './ledger/leaf-participants';
export * from './ledger/chain-verifier';
export * from './ledger/gridlock';
export * from './ledger/liquidity-queue';
export * from './ledger/escrow';
export * from './chain/merkle-fast';
export * from './fx/corridor';
export * from './fx/cross-rate';
export * from './fx/quote-figures';
export * from './fx/reservation';
export * from './http/query-params';
export * from './operator/operator-permissions';
