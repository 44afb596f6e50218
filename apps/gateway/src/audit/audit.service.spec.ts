import { auditAction, storableText } from './audit.service';

describe('audit entries', () => {
  it('names an admin call by its route, without its parameters', () => {
    expect(auditAction('POST', '/v1/admin/participants/:id/deposits')).toBe('admin.participants.deposits.post');
    expect(auditAction('DELETE', '/v1/admin/participants/:id/keys/:keyId')).toBe('admin.participants.keys.delete');
    expect(auditAction('PUT', '/v1/admin/participants/:id/screening-limits')).toBe('admin.participants.screening-limits.put');
    expect(auditAction('POST', undefined)).toBe('admin.unmatched.post');
  });

  it('makes hostile text storable: NUL and lone surrogates become U+FFFD, pairs stay', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\uD800y')).toBe('x\uFFFDy');
    expect(storableText('x\uDC00')).toBe('x\uFFFD');
    expect(storableText('😀')).toBe('😀');
  });
});
