import { authError } from './auth.errors';
import { PipeTransform } from '@nestjs/common';
import { participantIdSchema } from '@nostro/shared';
import { keyIdSchema } from '../http/api.schemas';

/**
 * Path parameters, checked before any service or SQL sees them (`@Param('id', ParticipantIdParam)`). A value that
 * cannot name such a resource names none: `404 not_found`, as an unknown one would, so a NUL byte or a 1 KiB
 * string never reaches Postgres (which refuses NUL in text with an error, not a miss).
 */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const ParticipantIdParam: PipeTransform<string, string> = {
  transform: (value) => {
    if (!participantIdSchema.safeParse(value).success) throw authError('not_found', 'no such participant');
    return value;
  },
};

export const KeyIdParam: PipeTransform<string, string> = {
  transform: (value) => {
    if (!keyIdSchema.safeParse(value).success) throw authError('not_found', 'no such key');
    return value;
  },
};

/** A UUID path parameter (operator ids, webhook delivery ids), lower-cased. */
export const UuidParam: PipeTransform<string, string> = {
  transform: (value) => {
    if (!UUID.test(value)) throw authError('not_found', 'no such resource');
    return value.toLowerCase();
  },
};
