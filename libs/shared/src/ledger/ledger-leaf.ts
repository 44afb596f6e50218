/**
 * A transaction as it is recorded in a block and hashed into the block's Merkle tree (API.md, finality proof):
 * its id, the payment's uetr, its postings or configuration, and its outcome, so that a proof can never pass off a
 * rejected transaction as settled. The leaf bytes are the RFC 8785 (JCS) canonical JSON of this object.
 */
import { z } from 'zod';
import { canonicalJson } from '../chain/canonical-json';
import { LedgerConfig, Outcome, Posting, accountSpecSchema, outcomeSchema, participantIdSchema, postingSchema } from '../messages/schemas';

export interface LedgerLeaf {
  id: string;
  kind: 'transfer' | 'config';
  uetr?: string;
  /** A return of the payment `uetr` (its id is the transaction's id). */
  returnId?: string;
  postings?: Posting[];
  op?: LedgerConfig['op'];
  accounts?: LedgerConfig['accounts'];
  participant?: string;
  outcome: Outcome;
  /** A conditional transfer's reservation: its condition, with the postings that fulfil or refund it. */
  condition?: { hash: string; expiresAt: number; fulfil: Posting[]; refund: Posting[] };
  /** An escrow's fulfilment (with the preimage that met the condition) or its expiry (the refund). */
  escrow?: { of: string; step: 'fulfil' | 'expiry'; preimage?: string };
}

/** A leaf read back from storage or a chain file: validated before anything is recomputed from it. */
export const ledgerLeafSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    id: z.uuid(),
    kind: z.literal('transfer'),
    uetr: z.uuid().optional(),
    returnId: z.uuid().optional(),
    postings: z.array(postingSchema).min(2).max(64),
    outcome: outcomeSchema,
    condition: z
      .strictObject({
        hash: z.string().regex(/^[0-9a-f]{64}$/),
        expiresAt: z.number().int().positive(),
        fulfil: z.array(postingSchema).min(2).max(64),
        refund: z.array(postingSchema).min(2).max(64),
      })
      .optional(),
    escrow: z.strictObject({ of: z.uuid(), step: z.enum(['fulfil', 'expiry']), preimage: z.string().max(256).optional() }).optional(),
  }),
  z.strictObject({
    id: z.string().min(1).max(100),
    kind: z.literal('config'),
    op: z.enum(['open_accounts', 'set_limits', 'suspend', 'resume']),
    accounts: z.array(accountSpecSchema).max(1000),
    participant: participantIdSchema.optional(),
    outcome: outcomeSchema,
  }),
]);

const utf8 = new TextEncoder();
const q = JSON.stringify;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` has no lone UTF-16 surrogate, i.e. it has a JCS representation. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

function outcomeJson(outcome: Outcome): string {
  return outcome.status === 'accepted' ? '{"status":"accepted"}' : `{"reason":${q(outcome.reason)},"status":"rejected"}`;
}

/**
 * JCS of a transfer leaf, written directly in JCS key order (id, kind, outcome, postings, returnId, uetr; account,
 * amount, currency). Only for leaves the block cutter builds from schema-validated entries, whose key sets are exact;
 * the spec checks it against the general `canonicalJson` on arbitrary transfers.
 */
export function transferLeafJson(id: string, uetr: string | undefined, postings: readonly Posting[], outcome: Outcome, returnId?: string): string {
  let legs = '';
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i];
    legs += `${i === 0 ? '' : ','}{"account":${q(p.account)},"amount":${q(p.amount)},"currency":${q(p.currency)}}`;
  }
  const tail = (returnId === undefined ? '' : `,"returnId":${q(returnId)}`) + (uetr === undefined ? '' : `,"uetr":${q(uetr)}`);
  return `{"id":${q(id)},"kind":"transfer","outcome":${outcomeJson(outcome)},"postings":[${legs}]${tail}}`;
}

/**
 * The canonical text of a leaf read back from storage: the fast writer for a plain transfer, the general one for
 * anything else (a configuration entry, a conditional transfer, an escrow's step), so it hashes as it was hashed.
 */
export function storedLeafJson(leaf: LedgerLeaf): string {
  if (leaf.kind === 'transfer' && leaf.condition === undefined && leaf.escrow === undefined) {
    return transferLeafJson(leaf.id, leaf.uetr, leaf.postings ?? [], leaf.outcome, leaf.returnId);
  }
  return leafJson(leaf);
}

/** The leaf's canonical JSON text (JCS; undefined fields left out). Throws on a value JSON cannot represent. */
export function leafJson(leaf: LedgerLeaf): string {
  return canonicalJson(JSON.parse(JSON.stringify(leaf)));
}

/** The leaf's bytes as hashed into the Merkle tree. */
export function leafBytes(leaf: LedgerLeaf): Uint8Array {
  return utf8.encode(leafJson(leaf));
}
