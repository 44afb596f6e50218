import { buildOpenApi } from '../openapi/openapi.document';
import { ParticipantKeysController } from './participant-keys.controller';

type Operation = { security: unknown[]; parameters: { name: string; in: string }[]; responses: Record<string, { description: string }> };

describe('bank-managed keys in the OpenAPI document', () => {
  const doc = buildOpenApi([ParticipantKeysController], { version: 'test', serverUrl: 'http://127.0.0.1:3000' }) as {
    paths: Record<string, Record<string, Operation>>;
  };

  it('documents POST /v1/keys/participant: signed, idempotency honoured, 201 and the key conflicts', () => {
    const add = doc.paths['/v1/keys/participant'].post;
    expect(add.security).toEqual([{ httpMessageSignature: [] }]);
    expect(add.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]);
    expect(Object.keys(add.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '409', '422']));
    expect(add.responses['409'].description).toEqual(expect.stringContaining('public_key_in_use'));
    expect(add.responses['409'].description).toEqual(expect.stringContaining('key_id_reserved'));
    expect(add.responses['401'].description).toEqual(expect.stringContaining('key_unknown'));
  });

  it('documents DELETE /v1/keys/participant/{keyId}: 204, 404, 409 last_key', () => {
    const revoke = doc.paths['/v1/keys/participant/{keyId}'].delete;
    expect(revoke.security).toEqual([{ httpMessageSignature: [] }]);
    expect(revoke.parameters).toEqual([expect.objectContaining({ name: 'keyId', in: 'path' })]);
    expect(revoke.responses['204'].description).toBe('Revoked');
    expect(revoke.responses['404'].description).toContain('not_found');
    expect(revoke.responses['409'].description).toContain('last_key');
  });
});
