import { requestDigest, withoutSecrets } from './idempotency';

describe('idempotency request digest', () => {
  const key = Buffer.alloc(32, 7);
  it('leaves secret fields out at any depth', () => {
    expect(
      withoutSecrets({
        address: 'a@b.test',
        password: 'p',
        source: { host: 'h', sourcePassword: 's', bindPassword: 'b' },
        items: [{ token: 't', n: 1 }],
      }),
    ).toEqual({ address: 'a@b.test', source: { host: 'h' }, items: [{ n: 1 }] });
  });
  it('is keyed, canonical, and the same whatever the password', () => {
    const a = requestDigest(key, { body: { address: 'a@b.test', password: 'one', allocationBytes: 1 } });
    expect(requestDigest(key, { body: { allocationBytes: 1, password: 'two', address: 'a@b.test' } })).toBe(a);
    expect(requestDigest(key, { body: { address: 'a@b.test', allocationBytes: 2 } })).not.toBe(a);
    expect(requestDigest(Buffer.alloc(32, 8), { body: { address: 'a@b.test', allocationBytes: 1 } })).not.toBe(a);
  });
});
