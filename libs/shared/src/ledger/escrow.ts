/**
 * Hash-locked escrow (API.md "Conditional payments", DOMAIN.md "Escrow"), inside the validators' deterministic state
 * machine beside LedgerState: a conditional transfer's reservation moves funds into ESCROW accounts; a fulfilment
 * (the preimage of its SHA-256 condition, in a block whose time is before `expiresAt`) pays them out with the
 * condition's `fulfil` postings; block time reaching `expiresAt` gives them back with its `refund` postings. Pure and
 * deterministic: decided only by the ordered stream and block times.
 */
import { sha256Hex } from '../crypto/sha256';
import { base64UrlDecode } from '../crypto/base64';
import { LedgerTransfer, Posting } from '../messages/schemas';
import { LedgerRejection } from './ledger-rejection';

export const ESCROW_PARTICIPANT = 'ESCROW';

/** A reserved conditional transfer, waiting for its fulfilment or its expiry. */
export interface EscrowEntry {
  /** The reservation's transaction (with its condition). */
  tx: LedgerTransfer & { condition: NonNullable<LedgerTransfer['condition']> };
  /** Height of the block that reserved it. */
  height: number;
}

const isEscrow = (account: string) => account.startsWith(`${ESCROW_PARTICIPANT}:`);

function escrowNet(postings: readonly Posting[]): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const p of postings) if (isEscrow(p.account)) net.set(p.account, (net.get(p.account) ?? 0n) + BigInt(p.amount));
  return net;
}

function balanced(postings: readonly Posting[]): boolean {
  const sums = new Map<string, bigint>();
  for (const p of postings) sums.set(p.currency, (sums.get(p.currency) ?? 0n) + BigInt(p.amount));
  return [...sums.values()].every((s) => s === 0n);
}

/**
 * Why a conditional transfer is malformed (before it is judged against balances), or null: its fulfil and refund
 * postings must each balance per currency and take out of every ESCROW account exactly what the reservation put in
 * (so an escrow ends at zero whichever way it goes), and the reservation must only put into ESCROW accounts.
 */
export function conditionProblem(tx: LedgerTransfer): LedgerRejection | null {
  const c = tx.condition;
  if (!c) return null;
  const reserved = escrowNet(tx.postings);
  if (reserved.size === 0 || [...reserved.values()].some((v) => v <= 0n)) return LedgerRejection.CONDITION_INVALID;
  for (const out of [c.fulfil, c.refund]) {
    if (!balanced(out)) return LedgerRejection.CONDITION_INVALID;
    const taken = escrowNet(out);
    if (taken.size !== reserved.size) return LedgerRejection.CONDITION_INVALID;
    for (const [account, amount] of reserved) if (taken.get(account) !== -amount) return LedgerRejection.CONDITION_INVALID;
  }
  return null;
}

/** True when `preimage` (base64url) hashes to `hash` (hex SHA-256). */
export function preimageMatches(preimage: string, hash: string): boolean {
  try {
    return sha256Hex(base64UrlDecode(preimage)) === hash;
  } catch {
    return false;
  }
}

/**
 * A deterministic transaction id for an escrow's expiry (its refund leaf): a UUID (version 8, RFC 9562) made of the
 * SHA-256 of `escrow-expiry:<txId>`, the same on every validator and in the offline audit.
 */
export function expiryId(txId: string): string {
  const h = sha256Hex(`escrow-expiry:${txId}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The escrows waiting, by the reserved transaction's id. */
export class EscrowBook {
  private readonly entries = new Map<string, EscrowEntry>();

  constructor(entries: readonly EscrowEntry[] = []) {
    for (const e of entries) this.entries.set(e.tx.id, e);
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): EscrowEntry | undefined {
    return this.entries.get(id);
  }

  add(entry: EscrowEntry): void {
    this.entries.set(entry.tx.id, entry);
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  /** The waiting escrows whose `expiresAt` is at or before `blockTimeMs`, in id order (only those are sorted). */
  due(blockTimeMs: number): EscrowEntry[] {
    return byId([...this.entries.values()].filter((e) => e.tx.condition.expiresAt <= blockTimeMs));
  }

  /** The earliest `expiresAt`, or null. */
  nextExpiry(): number | null {
    let first: number | null = null;
    for (const e of this.entries.values()) if (first === null || e.tx.condition.expiresAt < first) first = e.tx.condition.expiresAt;
    return first;
  }

  /**
   * The escrow's part of the state digest: `[[id,hash,expiresAt],…]` in id order; '' when nothing is in escrow, so
   * a ledger without escrows keeps the digests it always had (escrowDigestText sorts).
   */
  digestText(): string {
    return escrowDigestText([...this.entries.values()].map((e) => ({ id: e.tx.id, hash: e.tx.condition.hash, expiresAt: e.tx.condition.expiresAt })));
  }
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byId = (list: EscrowEntry[]) => list.sort((a, b) => compareIds(a.tx.id, b.tx.id));

/** See EscrowBook.digestText; the offline chain verifier computes it from its mirror. */
export function escrowDigestText(items: readonly { id: string; hash: string; expiresAt: number }[]): string {
  if (items.length === 0) return '';
  const sorted = [...items].sort((a, b) => compareIds(a.id, b.id));
  return `[${sorted.map((e) => `[${JSON.stringify(e.id)},${JSON.stringify(e.hash)},${e.expiresAt}]`).join(',')}]`;
}
