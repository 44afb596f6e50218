/**
 * Which participants a recorded transaction concerns, derived from the transaction alone: account ids are
 * `<participant>:<currency>` (accountIdSchema), so every validator, and any bank holding the leaf, computes the
 * same answer without a side channel or the validator's current account table (which moves on after the block).
 */
import { LedgerLeaf } from './ledger-leaf';

/** The participant that owns an account id `<participant>:<currency>`. */
export function accountOwner(account: string): string {
  const colon = account.indexOf(':');
  if (colon <= 0) throw new RangeError(`account id ${JSON.stringify(account)} is not <participant>:<currency>`);
  return account.slice(0, colon);
}

/**
 * The participants a transaction touches, sorted, each once: for a transfer the owners of its postings' accounts;
 * for a configuration entry the owners of the accounts it opens or limits and the participant it suspends or
 * resumes. The outcome does not matter: a rejected transfer still concerns the participants it named.
 */
export function leafParticipants(leaf: Pick<LedgerLeaf, 'kind' | 'postings' | 'accounts' | 'participant'>): string[] {
  const owners = new Set<string>();
  if (leaf.kind === 'transfer') {
    for (const posting of leaf.postings ?? []) owners.add(accountOwner(posting.account));
  } else {
    for (const spec of leaf.accounts ?? []) owners.add(accountOwner(spec.account));
    if (leaf.participant !== undefined) owners.add(leaf.participant);
  }
  return [...owners].sort();
}
