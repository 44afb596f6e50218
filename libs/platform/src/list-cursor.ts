import { ProblemError, validationProblem } from './problem';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The one cursor codec of every list the gateway serves (bank, operator and console lists alike).
 *
 * A cursor is the keyset position of the last row of a page: `base64url(JSON array of strings) "." tag`, where the
 * tag is the first 128 bits of HMAC-SHA256 over the list's name and the payload. Clients treat it as opaque; one
 * they altered or made up, or one from another list, fails the tag check and is answered `400 validation_failed`
 * before anything reaches the database. The fields are validated strictly even so (a timestamp must be one
 * Postgres accepts), so not even a bug in the code that issues cursors can turn one into a `500`.
 *
 * The HMAC key is derived (HKDF-SHA256) from the network signing key, which every gateway replica shares, so a
 * cursor issued by one replica reads on another and across restarts. Rotating the network key invalidates the
 * cursors issued before, which clients answer by starting the list again.
 */
export type CursorList =
  | 'payments'
  | 'incoming-payments'
  | 'admin-payments'
  | 'participants'
  | 'screening-hits'
  | 'webhook-deliveries'
  | 'ops-payments'
  | 'ops-audit'
  | 'ops-recalls'
  | 'account-entries'
  | 'admin-audit'
  | 'admin-requests'
  | 'admin-queues';

/** A position in a list ordered by creation time then id: the time exact to the microsecond, as Postgres keeps it. */
export interface TimeKeyset {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (see {@link CURSOR_AT_SQL}). */
  at: string;
  id: string;
}

export const CURSOR_LENGTH_MAX = 300;
const TAG_BYTES = 16;
const MICRO_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHAPE = /^[A-Za-z0-9_-]{1,250}\.[A-Za-z0-9_-]{22}$/;
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/**
 * The SQL expression that renders a timestamptz column as a {@link TimeKeyset.at}: UTC with all six fractional
 * digits. (node-postgres parses timestamptz into a JavaScript Date, which keeps milliseconds only; a cursor made from
 * it would repeat or skip rows created within the same millisecond.)
 */
export const CURSOR_AT_SQL = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export class ListCursorCodec {
  private readonly key: Buffer;

  constructor(secret: string | Uint8Array) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'nostro', 'nostro/list-cursor/v1', 32));
  }

  encode(list: CursorList, fields: readonly string[]): string {
    const payload = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
    return `${payload}.${this.tag(list, payload).toString('base64url')}`;
  }

  /** The fields of a cursor this codec issued for `list`; anything else is a `400` naming `query.cursor`. */
  decode(list: CursorList, cursor: string, arity: number): string[] {
    if (cursor.length > CURSOR_LENGTH_MAX || !SHAPE.test(cursor)) throw invalidCursor('not a cursor this API issued');
    const [payload, tag] = cursor.split('.') as [string, string];
    const given = Buffer.from(tag, 'base64url');
    if (given.length !== TAG_BYTES || !timingSafeEqual(given, this.tag(list, payload))) throw invalidCursor('not a cursor this API issued for this list');
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor('not a cursor this API issued');
    }
    if (!Array.isArray(fields) || fields.length !== arity || !fields.every((f) => typeof f === 'string')) throw invalidCursor('not a cursor this API issued');
    return fields as string[];
  }

  encodeTime(list: CursorList, position: TimeKeyset): string {
    return this.encode(list, [position.at, position.id]);
  }

  decodeTime(list: CursorList, cursor: string): TimeKeyset {
    const [at, id] = this.decode(list, cursor, 2) as [string, string];
    if (!isMicroTimestamp(at) || !UUID.test(id)) throw invalidCursor('not a cursor this API issued');
    return { at, id };
  }

  /** A cursor over a table keyed by a positive BIGINT (the console's audit log). */
  decodeSerial(list: CursorList, cursor: string): string {
    const [id] = this.decode(list, cursor, 1) as [string];
    if (!/^[1-9][0-9]{0,18}$/.test(id) || BigInt(id) > BIGINT_MAX) throw invalidCursor('not a cursor this API issued');
    return id;
  }

  private tag(list: CursorList, payload: string): Buffer {
    return createHmac('sha256', this.key).update(list).update('\0').update(payload).digest().subarray(0, TAG_BYTES);
  }
}

/** True for `YYYY-MM-DDTHH:MM:SS.ffffffZ` naming a real instant in years 0001–9999. */
export function isMicroTimestamp(value: string): boolean {
  const m = MICRO_ISO.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function invalidCursor(message: string): ProblemError {
  return validationProblem([{ path: 'query.cursor', message }], 'invalid cursor');
}
