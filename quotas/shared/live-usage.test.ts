import type { DoveadmClient } from '../../platform/mail/doveadm';
import { LiveUsage } from './live-usage';

/** A doveadm that answers `used` bytes per address and counts its calls (the boundary is faked here). */
function fakeDoveadm(used: Map<string, number>, opts: { fail?: Set<string> } = {}) {
  const calls: string[] = [];
  const doveadm = {
    async quotaGet(user: string) {
      calls.push(user);
      await new Promise((r) => setTimeout(r, 5));
      if (opts.fail?.has(user)) throw new Error('doveadm down');
      return [{ root: 'User quota', type: 'STORAGE', value: used.get(user) ?? 0, limit: null, percent: 0 }];
    },
  } as unknown as DoveadmClient;
  return { doveadm, calls };
}

describe('LiveUsage', () => {
  it('asks Dovecot once per account within the ttl, sharing one read between concurrent questions', async () => {
    const { doveadm, calls } = fakeDoveadm(new Map([['a@x.test', 1000]]));
    const live = new LiveUsage(doveadm, 60_000);
    const answers = await Promise.all([live.usedBytes('a@x.test'), live.usedBytes('a@x.test'), live.usedBytes('a@x.test')]);
    expect(answers).toEqual([1000, 1000, 1000]);
    expect(await live.usedBytes('a@x.test')).toBe(1000);
    expect(calls).toEqual(['a@x.test']);
  });

  it('counts what was accepted since the read, and forgets it when Dovecot is asked again', async () => {
    const used = new Map([['a@x.test', 1000]]);
    const { doveadm, calls } = fakeDoveadm(used);
    const live = new LiveUsage(doveadm, 100);
    await live.usedBytes('a@x.test');
    live.accepted('a@x.test', 500);
    live.accepted('a@x.test', 250);
    expect(await live.usedBytes('a@x.test')).toBe(1750);
    // the ttl passes: answered from the old figure at once while Dovecot is asked again in the background
    used.set('a@x.test', 1800);
    await new Promise((r) => setTimeout(r, 120));
    expect(await live.usedBytes('a@x.test')).toBe(1750);
    expect(calls).toHaveLength(2);
    // bytes accepted while the read runs are not in Dovecot's new figure: they are kept on top of it
    live.accepted('a@x.test', 40);
    await new Promise((r) => setTimeout(r, 40));
    expect(await live.usedBytes('a@x.test')).toBe(1840);
    expect(calls).toHaveLength(2);
  });

  it('answers past the ttl without waiting for Dovecot, but waits for a figure older than staleMs', async () => {
    const used = new Map([['a@x.test', 1000]]);
    const { doveadm, calls } = fakeDoveadm(used);
    const live = new LiveUsage(doveadm, 100, 100, 300);
    await live.usedBytes('a@x.test');
    used.set('a@x.test', 3000);
    await new Promise((r) => setTimeout(r, 120));
    // one background read for any number of questions meanwhile
    expect(await Promise.all([live.usedBytes('a@x.test'), live.usedBytes('a@x.test')])).toEqual([1000, 1000]);
    expect(calls).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 40));
    expect(await live.usedBytes('a@x.test')).toBe(3000);
    expect(calls).toHaveLength(2);
    // too old to answer from: the question waits for Dovecot's figure
    used.set('a@x.test', 5000);
    await new Promise((r) => setTimeout(r, 320));
    expect(await live.usedBytes('a@x.test')).toBe(5000);
    expect(calls).toHaveLength(3);
  });

  it('keeps the old figure when a background read fails, and tries again', async () => {
    const fail = new Set<string>();
    const { doveadm, calls } = fakeDoveadm(new Map([['a@x.test', 7]]), { fail });
    const live = new LiveUsage(doveadm, 100, 100, 10_000);
    await live.usedBytes('a@x.test');
    fail.add('a@x.test');
    await new Promise((r) => setTimeout(r, 120));
    expect(await live.usedBytes('a@x.test')).toBe(7);
    await new Promise((r) => setTimeout(r, 40));
    fail.clear();
    expect(await live.usedBytes('a@x.test')).toBe(7);
    expect(calls).toHaveLength(3);
  });

  it('does not keep a failed read', async () => {
    const fail = new Set(['a@x.test']);
    const { doveadm, calls } = fakeDoveadm(new Map([['a@x.test', 7]]), { fail });
    const live = new LiveUsage(doveadm, 60_000);
    await expect(live.usedBytes('a@x.test')).rejects.toThrow('doveadm down');
    fail.clear();
    expect(await live.usedBytes('a@x.test')).toBe(7);
    expect(calls).toHaveLength(2);
  });

  it('keeps at most maxEntries accounts, dropping the oldest', async () => {
    const { doveadm, calls } = fakeDoveadm(new Map());
    const live = new LiveUsage(doveadm, 60_000, 2);
    for (const a of ['a@x.test', 'b@x.test', 'c@x.test']) await live.usedBytes(a);
    await live.usedBytes('c@x.test');
    await live.usedBytes('a@x.test');
    expect(calls).toEqual(['a@x.test', 'b@x.test', 'c@x.test', 'a@x.test']);
  });
});
