import { createHash } from 'node:crypto';
import type { FolderVerification } from './engine/verify';
import { hashListDigest } from './engine/verify';
import { buildReport, buildVerificationReport, manifestDigest, summarize } from './report';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function folder(over: Partial<FolderVerification>): FolderVerification {
  return {
    sourcePath: 'INBOX',
    sourceName: 'INBOX',
    destPath: 'INBOX',
    sourceCount: 2,
    destCount: 2,
    matched: 2,
    skipped: [],
    missingCount: 0,
    missing: [],
    removedByUserCount: 0,
    removedByUser: [],
    folderRemovedByUser: false,
    newcomerCount: 0,
    newcomers: [],
    duplicates: [],
    altered: [],
    sizeMismatches: [],
    flagMismatches: [],
    dateMismatches: [],
    hashListDigest: hashListDigest([sha('a'), sha('b')]),
    ...over,
  };
}

describe('report and manifest', () => {
  it('hash list digests do not depend on order', () => {
    expect(hashListDigest([sha('a'), sha('b')])).toBe(hashListDigest([sha('b'), sha('a')]));
    expect(hashListDigest([sha('a')])).not.toBe(hashListDigest([sha('a'), sha('a')]));
  });

  it('manifest digest covers every folder and does not depend on folder order', () => {
    const a = folder({});
    const b = folder({ sourcePath: 'Work', sourceName: 'Work', destPath: 'Work', hashListDigest: hashListDigest([sha('c')]) });
    expect(manifestDigest([a, b])).toBe(manifestDigest([b, a]));
    expect(manifestDigest([a, b])).not.toBe(manifestDigest([a]));
    expect(manifestDigest([a])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is verified only when nothing is missing; missing UIDs become the retry list', () => {
    const ok = buildVerificationReport({ source: 's', destination: 'd' }, [folder({})], new Date());
    expect(ok.verified).toBe(true);
    const bad = buildVerificationReport(
      { source: 's', destination: 'd' },
      [folder({ matched: 1, missingCount: 1, missing: [{ uid: 7, messageId: '<x@y>', subject: 'gone', size: 10 }] })],
      new Date(),
    );
    expect(bad.verified).toBe(false);
    expect(bad.totals.missing).toBe(1);
    const report = buildReport('m1', undefined, bad);
    expect(report.verified).toBe(false);
    expect(report.retry).toEqual({ INBOX: [7] });
    const text = summarize(report);
    expect(text).toContain('uid 7 <x@y>');
    expect(text.split('\n').pop()).toMatch(/^NOT VERIFIED/);
  });

  it('newcomers (arrived after the pass verified against) do not change the outcome and are named', () => {
    const r = buildVerificationReport(
      { source: 's', destination: 'd' },
      [folder({ newcomerCount: 1, newcomers: [{ uid: 3, subject: 'late', size: 10 }] })],
      new Date(),
    );
    expect(r).toMatchObject({ verified: true, outcome: 'verified', totals: { newcomers: 1, missing: 0 } });
    const lines = summarize(buildReport('m1', undefined, r)).split('\n');
    expect(lines).toContain('  arrived at the source after the pass verified against, for the catch-up: 1');
    expect(lines.pop()).toBe(
      "VERIFIED: every message of the pass's snapshot is on the destination; 1 arrived at the source since (for the catch-up)",
    );
  });

  it('a folder that could not be verified fails the report', () => {
    const r = buildVerificationReport({ source: 's', destination: 'd' }, [folder({ error: 'connection lost' })], new Date());
    expect(r.verified).toBe(false);
  });

  it('altered by the destination: not verified, worse than skipped, better than missing, never retried', () => {
    const altered = { altered: [{ uid: 2, destUid: 9, reason: 'destination re-encodes NUL bytes (BINARY APPEND)' }], matched: 1 };
    const skipped = [{ uid: 3, size: 10, reason: 'larger than size cap 5' }];
    const acc = { source: 's', destination: 'd' };
    const r = buildVerificationReport(acc, [folder({ ...altered, skipped })], new Date());
    expect(r).toMatchObject({ verified: false, outcome: 'altered', totals: { alteredByDestination: 1, missing: 0, skipped: 1 } });
    expect(buildReport('m1', undefined, r).retry).toEqual({});
    const missing = [{ uid: 4, size: 10 }];
    expect(buildVerificationReport(acc, [folder({ ...altered, missingCount: 1, missing })], new Date()).outcome).toBe('missing');
  });
});
