// Keeps two starts (or a start and a stop) of the same thing from racing: an exclusive lock file across processes,
// and a promise chain within this process. Used by the Kafka broker (scripts/lib/infra/kafka-broker.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errorCode, isAlive, removeQuietly, sleep, type Log } from './process';

export interface LockOptions {
  log: Log;
  /** How long to wait for another holder before giving up. */
  timeoutMs?: number;
}

/** Runs one section at a time under this lock. */
export type LockedSection = <T>(fn: () => Promise<T>, options: LockOptions) => Promise<T>;

const LOCK_WAIT_DEFAULT_MS = 15 * 60_000;
const LOCK_POLL_MS = 250;

/**
 * A section that runs once at a time across processes (lock file `file`, holding its owner's pid) and within this
 * process (a promise chain). `label` starts its log lines (`kafka: waiting for another infra run (pid 42)…`).
 */
export function lockedSection(file: string, label: string): LockedSection {
  let inProcessChain: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>, { log, timeoutMs = LOCK_WAIT_DEFAULT_MS }: LockOptions): Promise<T> => {
    const task = inProcessChain.then(() => withFileLock(file, label, fn, log, timeoutMs));
    inProcessChain = task.catch(() => undefined);
    return task;
  };
}

async function withFileLock<T>(lock: string, label: string, fn: () => Promise<T>, log: Log, timeoutMs: number): Promise<T> {
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const mine = `${lock}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(mine, `${process.pid}\n`);
  try {
    await acquire(lock, mine, label, log, Date.now() + timeoutMs);
  } finally {
    removeQuietly(mine);
  }
  try {
    return await fn();
  } finally {
    removeQuietly(lock);
  }
}

/** Links `mine` to `lock` once nobody alive holds it; a lock whose owner died is removed. */
async function acquire(lock: string, mine: string, label: string, log: Log, deadline: number): Promise<void> {
  let announced = false;
  for (;;) {
    try {
      fs.linkSync(mine, lock); // atomic: the lock appears with its owner's pid already in it
      return;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    let owner: number;
    try {
      owner = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
    } catch {
      continue; // released meanwhile
    }
    if (!owner || !isAlive(owner)) {
      removeQuietly(lock); // stale: its owner died
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${label}: ${lock} is held by pid ${owner} for too long`);
    if (!announced) {
      log(`${label}: waiting for another infra run (pid ${owner})…`);
      announced = true;
    }
    await sleep(LOCK_POLL_MS);
  }
}
