/**
 * The audit behind `nostro-ledger`: verifies a validator's database or an exported chain file with the domain's
 * ChainVerifier (hashes, Merkle roots, outcomes, state digests, quorum signatures, balance invariants), adds the
 * checks only a database allows (its transaction index, its finality records and its stored balances against the
 * replayed ones), exports a chain to a file, and checks a single finality proof offline.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { ChainBlock, ChainReport, ChainVerifier, FinalityFailure, FinalityTrust, LedgerLeaf, compareBalances, verifyFinalityProof } from '@nostro/shared-node';
import { CHAIN_FILE_FORMAT, ChainFileEnd, ChainFileHead, DatabaseBlock, DatabaseChain, chainFileBlocks } from './chain.repository';

export interface AuditOptions {
  networkId: string;
  trust: FinalityTrust;
  requireFinal: boolean;
  /** With requireFinal: this many blocks at the tip may still wait for their quorum. */
  finalityLagMax: number;
}

/** A problem found in how a database or file stores the chain, beside the chain's own issues. */
export interface StoreIssue {
  height: number;
  code:
    | 'index_mismatch'
    | 'finality_hash_mismatch'
    | 'stored_balance_mismatch'
    | 'stored_suspension_mismatch'
    | 'orphan_index_rows'
    | 'network_id_mismatch'
    | 'export_incomplete';
  detail: string;
}

export interface AuditReport extends ChainReport {
  source: string;
  storeIssues: StoreIssue[];
}

export interface ProofReport {
  ok: boolean;
  failure?: FinalityFailure;
  height?: number;
  hash?: string;
  transaction?: { id?: string; uetr?: string; outcome?: unknown };
}

const STORE_ISSUES_MAX = 1_000;

function indexIssues(block: DatabaseBlock): StoreIssue[] {
  const height = block.header.height;
  if (block.index.length !== block.leaves.length) {
    return [{ height, code: 'index_mismatch', detail: `${block.index.length} index rows for ${block.leaves.length} leaves` }];
  }
  const issues: StoreIssue[] = [];
  block.index.forEach((row, i) => {
    const leaf = block.leaves[i] as Partial<LedgerLeaf> | null;
    const outcome = leaf?.outcome;
    const reason = outcome && outcome.status === 'rejected' ? outcome.reason : null;
    const same =
      row.idx === i &&
      row.txId === leaf?.id &&
      row.kind === leaf?.kind &&
      row.status === outcome?.status &&
      row.reason === reason &&
      row.uetr === (leaf?.uetr ?? null);
    if (!same)
      issues.push({
        height,
        code: 'index_mismatch',
        detail: `index row ${row.idx} (${row.txId} ${row.status}${row.reason ? ` ${row.reason}` : ''}) does not match leaf ${i}`,
      });
  });
  return issues;
}

export class AuditService {
  async verifyDatabase(databaseUrl: string, options: AuditOptions): Promise<AuditReport> {
    const db = await DatabaseChain.open(databaseUrl);
    const verifier = new ChainVerifier(options);
    const store: StoreIssue[] = [];
    const note = (issues: StoreIssue[]) => store.push(...issues.slice(0, Math.max(0, STORE_ISSUES_MAX - store.length)));
    try {
      for await (const block of db.blocks()) {
        verifier.add(block);
        note(indexIssues(block));
        if (block.finalityHash !== null && block.finalityHash !== block.hash) {
          note([{ height: block.header.height, code: 'finality_hash_mismatch', detail: `finality record names ${block.finalityHash}` }]);
        }
      }
      const report = verifier.finish();
      const replayed = verifier.replayedState();
      note(
        compareBalances(replayed.allAccounts(), await db.accounts()).map((detail) => ({
          height: report.tipHeight,
          code: 'stored_balance_mismatch' as const,
          detail,
        })),
      );
      const suspended = await db.suspended();
      if (suspended.join(',') !== replayed.suspendedParticipants().join(',')) {
        note([
          {
            height: report.tipHeight,
            code: 'stored_suspension_mismatch',
            detail: `stored [${suspended.join(', ')}], replay gives [${replayed.suspendedParticipants().join(', ')}]`,
          },
        ]);
      }
      const orphans = await db.orphanIndexRows();
      if (orphans > 0) note([{ height: report.tipHeight, code: 'orphan_index_rows', detail: `${orphans} transaction rows point at no block` }]);
      return { ...report, ok: report.ok && store.length === 0, source: redact(databaseUrl), storeIssues: store };
    } finally {
      await db.close();
    }
  }

  async verifyFile(file: string, options: AuditOptions): Promise<AuditReport> {
    const verifier = new ChainVerifier(options);
    const store: StoreIssue[] = [];
    let end: ChainFileEnd | null = null;
    const onHead = (head: ChainFileHead) => {
      if (head.networkId !== options.networkId)
        store.push({ height: 0, code: 'network_id_mismatch', detail: `file says ${head.networkId}, verifying as ${options.networkId}` });
    };
    for await (const block of chainFileBlocks(file, onHead, (e) => (end = e))) verifier.add(block);
    const report = verifier.finish();
    const last = end as ChainFileEnd | null;
    if (last && (last.blocks !== report.blocks || last.tipHash !== report.tipHash)) {
      store.push({ height: report.tipHeight, code: 'export_incomplete', detail: `end line says ${last.blocks} blocks up to ${last.tipHash}` });
    }
    return { ...report, ok: report.ok && store.length === 0, source: file, storeIssues: store };
  }

  /** Writes the chain of a validator database to a JSON Lines file: a head line, one line per block, an end line. */
  async exportChain(databaseUrl: string, file: string, networkId: string): Promise<ChainFileEnd> {
    const db = await DatabaseChain.open(databaseUrl);
    const out = createWriteStream(file, { encoding: 'utf8' });
    const write = async (value: unknown) => {
      if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
    };
    try {
      const head: ChainFileHead = { format: CHAIN_FILE_FORMAT, networkId, exportedAt: new Date().toISOString(), source: redact(databaseUrl) };
      await write(head);
      let blocks = 0;
      let tipHash: string | null = null;
      for await (const block of db.blocks()) {
        const line: ChainBlock = {
          header: block.header,
          hash: block.hash,
          signatures: block.signatures,
          leaves: block.leaves,
          ...(block.queue ? { queue: block.queue } : {}),
        };
        await write(line);
        blocks += 1;
        tipHash = block.hash;
      }
      const end: ChainFileEnd = { end: true, blocks, tipHash };
      await write(end);
      return end;
    } finally {
      out.end();
      await once(out, 'close');
      await db.close();
    }
  }

  verifyProof(proof: unknown, trust: FinalityTrust): ProofReport {
    const verdict = verifyFinalityProof(proof, trust);
    const body = (proof ?? {}) as { block?: { height?: number; hash?: string }; transaction?: { id?: string; uetr?: string; outcome?: unknown } };
    const summary = { height: body.block?.height, hash: body.block?.hash, transaction: body.transaction };
    return verdict.ok ? { ok: true, ...summary } : { ok: false, failure: verdict.reason, ...summary };
  }
}

/** A connection string without its password, for reports. */
export function redact(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(database)';
  }
}
