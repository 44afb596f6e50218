/**
 * The sanctions list and its matching rules, as pure functions (no I/O except `loadSanctionsFile`).
 *
 * Names are compared after normalisation: Unicode NFKD with the combining marks removed, a few letters
 * that do not decompose transliterated (ß → ss, ø → o, ł → l, …), lower case, punctuation turned into
 * spaces, and common legal-form words dropped ("ltd", "gmbh", …). Then:
 *   - the same set of name tokens in any order ("PETROV, Ivan" = "Ivan Petrov") → `reject`;
 *   - every token of a listed name present among more tokens ("Ivan Sergeyevich Petrov") → `hold`,
 *     a possible match an operator must clear;
 *   - an account equal to a listed identifier (IBAN, account number, BIC; compared upper-case,
 *     alphanumerics only) → `reject`.
 */
import { sha256Hex } from '@nostro/shared';
import fs from 'node:fs';
import { z } from 'zod';

const ENTRIES_MAX = 500_000;
const NAMES_PER_ENTRY_MAX = 100;

const entrySchema = z.strictObject({
  id: z.string().min(1).max(100),
  names: z.array(z.string().min(1).max(300)).max(NAMES_PER_ENTRY_MAX).default([]),
  identifiers: z.array(z.string().min(1).max(100)).max(NAMES_PER_ENTRY_MAX).default([]),
  program: z.string().max(100).optional(),
});
const fileSchema = z.strictObject({
  version: z.string().max(100).optional(),
  entries: z.array(entrySchema).max(ENTRIES_MAX),
});
export type SanctionsEntry = z.infer<typeof entrySchema>;

const TRANSLITERATION: Record<string, string> = { ß: 'ss', ø: 'o', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ħ: 'h' };
const LEGAL_FORMS = new Set(['ltd', 'llc', 'inc', 'corp', 'gmbh', 'ag', 'sa', 'plc', 'jsc', 'pjsc', 'ooo', 'oao', 'limited', 'company', 'the']);

/** Name tokens after normalisation (see the file comment). */
export function nameTokens(name: string): string[] {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßøæœłđðþıħ]/g, (c) => TRANSLITERATION[c] ?? c);
  return folded.split(/[^\p{L}\p{N}]+/u).filter((t) => t !== '' && !LEGAL_FORMS.has(t));
}

/** An identifier compared upper-case, alphanumerics only ("DE89 3704-0044" = "DE8937040044"). */
export function normalizeIdentifier(value: string): string {
  return value
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

const exactKey = (tokens: string[]): string => [...new Set(tokens)].sort().join(' ');

interface IndexedName {
  entry: SanctionsEntry;
  name: string;
  tokens: Set<string>;
}

export interface SanctionsMatch {
  action: 'reject' | 'hold';
  entryId: string;
  listed: string;
  field: string;
  kind: 'name' | 'possible_name' | 'identifier';
}

/** A loaded list, indexed for matching in time proportional to the name's tokens, not to the list. */
export class SanctionsList {
  private readonly exact = new Map<string, IndexedName>();
  private readonly byToken = new Map<string, IndexedName[]>();
  private readonly identifiers = new Map<string, SanctionsEntry>();
  readonly entryCount: number;

  constructor(
    entries: readonly SanctionsEntry[],
    readonly version: string | null = null,
    readonly sha256: string | null = null,
  ) {
    this.entryCount = entries.length;
    for (const entry of entries) this.index(entry);
  }

  private index(entry: SanctionsEntry): void {
    for (const name of entry.names) {
      const tokens = nameTokens(name);
      if (tokens.length === 0) continue;
      const indexed = { entry, name, tokens: new Set(tokens) };
      this.exact.set(exactKey(tokens), indexed);
      // Indexed under its longest token: the rarest in practice, so candidate lists stay short.
      const anchor = [...indexed.tokens].sort((a, b) => b.length - a.length || a.localeCompare(b))[0];
      this.byToken.set(anchor, [...(this.byToken.get(anchor) ?? []), indexed]);
    }
    for (const id of entry.identifiers) {
      const normalized = normalizeIdentifier(id);
      if (normalized !== '') this.identifiers.set(normalized, entry);
    }
  }

  /** The strongest match of one name, or null. */
  matchName(name: string, field: string): SanctionsMatch | null {
    const tokens = nameTokens(name);
    if (tokens.length === 0) return null;
    const exact = this.exact.get(exactKey(tokens));
    if (exact) return { action: 'reject', entryId: exact.entry.id, listed: exact.name, field, kind: 'name' };
    const present = new Set(tokens);
    for (const token of present) {
      for (const candidate of this.byToken.get(token) ?? []) {
        if ([...candidate.tokens].every((t) => present.has(t))) {
          return { action: 'hold', entryId: candidate.entry.id, listed: candidate.name, field, kind: 'possible_name' };
        }
      }
    }
    return null;
  }

  matchIdentifier(value: string, field: string): SanctionsMatch | null {
    const entry = this.identifiers.get(normalizeIdentifier(value));
    return entry ? { action: 'reject', entryId: entry.id, listed: value, field, kind: 'identifier' } : null;
  }
}

/** Parses the JSON text of a list file; throws an Error saying what is wrong. */
export function parseSanctionsList(text: string, sha256: string | null = null): SanctionsList {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the sanctions list is not JSON');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the sanctions list is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return new SanctionsList(parsed.data.entries, parsed.data.version ?? null, sha256);
}

/** Reads a list file (synchronously: at start-up and on an explicit reload only). */
export function loadSanctionsFile(file: string): SanctionsList {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`cannot read ${file}`);
  }
  return parseSanctionsList(text, sha256Hex(text));
}
