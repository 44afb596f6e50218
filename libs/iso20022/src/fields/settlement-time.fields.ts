import type { XmlElement } from '../xml/xml-reader';
import { refuse } from '../xml/xml-refused.error';

/** `SttlmPrty` (Priority3Code): read and reported, it does not reorder the liquidity queue, which is FIFO per account. */
export type SettlementPriority = 'URGT' | 'HIGH' | 'NORM';

/**
 * What a CdtTrfTxInf says of when it may settle (pacs.008.001.09 CreditTransferTransaction43): `SttlmTmReq/TillTm`, an
 * ISOTime (a time of day, `HH:MM:SS[.f][Z|±HH:MM]`), on the transaction's `IntrBkSttlmDt`, else the group header's.
 */
export interface SettlementTime {
  /** SttlmTmReq/TillTm as sent (trimmed). */
  tillTime: string;
  /** IntrBkSttlmDt (YYYY-MM-DD) of the transaction or the group header, if given. */
  settlementDate?: string;
  /** The element's path, for a refusal that names it. */
  path: string;
}

const ISO_TIME = /^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?(Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])?$/;
const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** The transaction's settlement time request and priority, if it carries them. */
export function readSettlementTime(transaction: XmlElement, header: XmlElement): { settlementTime?: SettlementTime; settlementPriority?: SettlementPriority } {
  const priority = transaction.textAt('SttlmPrty')?.trim() as SettlementPriority | undefined;
  const till = transaction.at('SttlmTmReq', 'TillTm');
  const date = (transaction.textAt('IntrBkSttlmDt') ?? header.textAt('IntrBkSttlmDt'))?.trim();
  return {
    ...(priority ? { settlementPriority: priority } : {}),
    ...(till ? { settlementTime: { tillTime: till.text().trim(), ...(date ? { settlementDate: date } : {}), path: till.path } } : {}),
  };
}

/**
 * The instant `TillTm` names: on `settlementDate` if given, else on the date it is now in the time's own offset (UTC
 * when it has none, as the network runs on UTC). Refuses a time or date the schema let through but no clock has.
 */
export function settlementDeadline(t: SettlementTime, now: Date): Date {
  const time = ISO_TIME.exec(t.tillTime) ?? refuse(t.path, `${t.tillTime} is not an ISO time (HH:MM:SS, with Z or an offset)`);
  const offset =
    time[5] === undefined || time[5] === 'Z' ? 0 : Number(time[5].slice(0, 1) + '1') * (Number(time[5].slice(1, 3)) * 60 + Number(time[5].slice(4, 6)));
  let day: string;
  if (t.settlementDate !== undefined) {
    if (!ISO_DATE.test(t.settlementDate)) refuse(t.path, `IntrBkSttlmDt ${t.settlementDate} is not a date`);
    day = t.settlementDate;
  } else {
    day = new Date(now.getTime() + offset * 60_000).toISOString().slice(0, 10);
  }
  const fraction = time[4] ? Number(`0${time[4]}`) * 1_000 : 0;
  const local = Date.parse(`${day}T${time[1]}:${time[2]}:${time[3]}Z`);
  // Date.parse rolls 30 February over into March: a date must read back as itself.
  if (Number.isNaN(local) || new Date(local).toISOString().slice(0, 10) !== day) refuse(t.path, `IntrBkSttlmDt ${day} is not a calendar date`);
  return new Date(local + Math.floor(fraction) - offset * 60_000);
}
