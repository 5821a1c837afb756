import { presentAccount, presentAudit, presentDomain, presentForwarding, presentStaff, presentToken } from './presenters';

const t = '2026-11-23T00:00:00.000Z';

describe('presenters', () => {
  it('never hand out password or token hashes', () => {
    const account = presentAccount({
      id: 'a',
      tenant_id: 't',
      domain_id: 'd',
      local_part: 'ann',
      address: 'ann@x.test',
      display_name: 'Ann',
      password_hash: '{BLF-CRYPT}$2b$secret',
      status: 'active',
      allocation_bytes: '1024' as unknown as number,
      mail_path: 't/a',
      delete_after: null,
      created_at: t,
      updated_at: t,
    });
    expect(account).toEqual({
      id: 'a',
      tenantId: 't',
      domainId: 'd',
      address: 'ann@x.test',
      displayName: 'Ann',
      status: 'active',
      allocationBytes: 1024,
      deleteAfter: null,
      createdAt: t,
      updatedAt: t,
    });
    const staff = presentStaff({
      id: 's',
      email: 'e@x.test',
      name: '',
      password_hash: '{BLF-CRYPT}x',
      role: 'operator',
      tenant_id: null,
      status: 'active',
      created_at: t,
      updated_at: t,
      totp_secret: 'pws1.k.iv.tag.sealed-totp-secret',
      totp_enabled_at: t,
      totp_pending_secret: 'pws1.k.iv.tag.sealed-pending-secret',
    });
    expect(JSON.stringify(staff)).not.toMatch(/BLF|hash|pws1|sealed/i);
    expect(staff.secondFactor).toBe(true);
    const token = presentToken({
      id: 'k',
      name: 'ci',
      token_hash: 'f'.repeat(64),
      prefix: 'pwk_abcdefgh',
      role: 'operator',
      tenant_id: null,
      created_by: null,
      created_by_label: 'cli:root',
      created_at: t,
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    });
    expect(JSON.stringify(token)).not.toContain('f'.repeat(64));
    expect(token.prefix).toBe('pwk_abcdefgh');
  });

  it('shows IDNA domains in Unicode too, and 0/1 booleans as booleans', () => {
    expect(
      presentDomain({
        id: 'd',
        tenant_id: 't',
        name: 'xn--mller-kva.de',
        status: 'active',
        verification_status: 'verified',
        verification_token: null,
        verification_checked_at: null,
        verification_error: null,
        verified_at: null,
        created_at: t,
        updated_at: t,
      }).unicodeName,
    ).toBe('müller.de');
    expect(
      presentForwarding({ id: 'f', tenant_id: 't', account_id: 'a', target_address: 'x@y.test', keep_copy: 0, created_at: t }).keepCopy,
    ).toBe(false);
  });

  it('parses audit snapshots back into objects', () => {
    const e = presentAudit({
      id: '7' as unknown as number,
      at: t,
      actor_type: 'cli',
      actor_id: 'cli:root',
      actor_role: 'operator',
      tenant_id: null,
      action: 'tenant.created',
      target_type: 'tenant',
      target_id: 't',
      before: null,
      after: '{"slug":"acme"}',
      ip: null,
      prev_hash: '0',
      hash: '1',
      chain_id: 'platform',
      seq: '3' as unknown as number,
      actor_ref: 'root',
      key_id: 'abcd0123',
    });
    expect(e).toMatchObject({ id: 7, after: { slug: 'acme' }, before: null, target: { type: 'tenant', id: 't' } });
    expect(e.chain).toEqual({ id: 'platform', seq: 3 });
    expect(e.actor.ref).toBe('root');
  });
});
