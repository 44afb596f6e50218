import { chunkBySize } from '@nostro/platform';
import { FinalityMessage, FinalityNoticeMessage, LedgerLeaf, SystemParticipant, inclusionProofsFast, storedLeafJson, leafParticipants } from '@nostro/shared';

/**
 * No notices for the network's own bookkeeping accounts, which are no correspondents: EXTERNAL stands for money
 * entering and leaving the network, and FEES is the operator's fee income, which the operator reads from the ledger
 * itself (it would otherwise receive a copy of nearly every payment), and ESCROW holds conditional payments between
 * their steps, each of which also touches the banks concerned (they get those notices). FXDESK, the FX liquidity,
 * does get notices.
 */
export const NOTICE_EXCLUDED: ReadonlySet<string> = new Set([SystemParticipant.EXTERNAL, SystemParticipant.FEES, SystemParticipant.ESCROW]);

/**
 * Bytes of transactions and proofs per notice. Far below Kafka's default `max.message.bytes` (1 MiB), so a notice
 * is accepted even by a topic created with the broker's defaults, and one participant with many transactions in a
 * block cannot make a message the outbox relay can never publish (a leaf holds at most 64 postings, a few KiB).
 */
export const NOTICE_BYTES_MAX = 512 * 1024;

/** What every notice of a final block carries besides its transactions. */
export interface FinalBlock {
  block: FinalityMessage['block'];
  signatures: FinalityMessage['signatures'];
  quorum: number;
  /** The validator publishing these notices. */
  validator: string;
}

/** The leaf's canonical JSON, as the block cutter hashed it (the fast JCS writer for transfers, as there). */
function leafText(leaf: LedgerLeaf): string {
  return storedLeafJson(leaf);
}

/** The indexes of the leaves that concern each participant, participants sorted, indexes in block order. */
export function noticeRecipients(leaves: readonly LedgerLeaf[]): Map<string, number[]> {
  const byParticipant = new Map<string, number[]>();
  leaves.forEach((leaf, index) => {
    for (const participant of leafParticipants(leaf)) {
      if (NOTICE_EXCLUDED.has(participant)) continue;
      const list = byParticipant.get(participant);
      if (list) list.push(index);
      else byParticipant.set(participant, [index]);
    }
  });
  return new Map([...byParticipant].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Splits leaf indexes into runs whose estimated JSON stays under NOTICE_BYTES_MAX (never an empty run). */
function chunks(indexes: readonly number[], sizeOf: (index: number) => number): number[][] {
  return chunkBySize(indexes, sizeOf, NOTICE_BYTES_MAX);
}

/** One participant's notice (or one part of it), as the JSON text that goes to Kafka. */
export interface FinalityNotice {
  participant: string;
  part: number;
  parts: number;
  /** A `finalityNoticeSchema` message. */
  value: string;
}

/**
 * The finality notices of one final block, one (or, past NOTICE_BYTES_MAX, several) per participant concerned,
 * in participant order. Pure and deterministic, so every validator builds the same notices. Each transaction is
 * written as the exact canonical text hashed into the Merkle tree, so it hashes to its proof's `leafHash`; each
 * transaction's JSON is built once however many participants it concerns (an FX payment's goes to three).
 * Throws when the leaves do not hash to the block's Merkle root: a proof that cannot verify is never published.
 */
export function finalityNotices(final: FinalBlock, leaves: readonly LedgerLeaf[]): FinalityNotice[] {
  const recipients = noticeRecipients(leaves);
  if (recipients.size === 0) return [];
  const texts = leaves.map(leafText);
  const { root, proofs } = inclusionProofsFast(texts);
  if (root !== final.block.merkleRoot) {
    throw new Error(`leaves of block ${final.block.height} hash to ${root}, not to its Merkle root ${final.block.merkleRoot}`);
  }
  const entries: string[] = [];
  const entry = (index: number): string => (entries[index] ??= `{"transaction":${texts[index]},"proof":${JSON.stringify(proofs[index])}}`);
  const notices: FinalityNotice[] = [];
  for (const [participant, indexes] of recipients) {
    const runs = chunks(indexes, (index) => entry(index).length + 1);
    runs.forEach((run, i) => {
      const head: Omit<FinalityNoticeMessage, 'transactions'> = {
        kind: 'finality.notice',
        participant,
        validator: final.validator,
        block: final.block,
        signatures: final.signatures,
        quorum: final.quorum,
        part: i + 1,
        parts: runs.length,
      };
      const value = `${JSON.stringify(head).slice(0, -1)},"transactions":[${run.map(entry).join(',')}]}`;
      notices.push({ participant, part: i + 1, parts: runs.length, value });
    });
  }
  return notices;
}

/** Bytes per produce request, well under the broker's `socket.request.max.bytes` (100 MiB by default). */
export const REQUEST_BYTES_MAX = 4 * 1024 * 1024;

/** A notice ready to send: its topic, its part number and its JSON. */
export interface NoticeRecord {
  topic: string;
  part: number;
  value: string;
}

/**
 * Groups a block's notices into produce requests. kafkajs puts all the messages of one partition in a request into
 * one record batch, and the broker refuses a batch larger than the topic's `max.message.bytes`: so a request holds
 * at most one notice per topic (each under NOTICE_BYTES_MAX), parts go out in order (part 1 of every topic first),
 * and a request stays under REQUEST_BYTES_MAX unless one notice alone is larger.
 */
export function produceRequests(records: readonly NoticeRecord[]): NoticeRecord[][] {
  const byPart = new Map<number, NoticeRecord[]>();
  for (const r of records) {
    const list = byPart.get(r.part);
    if (list) list.push(r);
    else byPart.set(r.part, [r]);
  }
  const requests: NoticeRecord[][] = [];
  for (const part of [...byPart.keys()].sort((a, b) => a - b)) {
    let current: NoticeRecord[] = [];
    let bytes = 0;
    for (const r of byPart.get(part) ?? []) {
      if (current.length > 0 && bytes + r.value.length > REQUEST_BYTES_MAX) {
        requests.push(current);
        current = [];
        bytes = 0;
      }
      current.push(r);
      bytes += r.value.length;
    }
    if (current.length > 0) requests.push(current);
  }
  return requests;
}
