import { decide, senderListMatch } from './decide';
import { defaultPolicy, normalizePattern, validateBands, type Band, type FilterPolicy } from './policy';
import type { AntivirusVerdict, SpamVerdict } from '../verdicts';

const TENANT = '11111111-1111-4111-8111-111111111111';
const clean: AntivirusVerdict = { kind: 'clean' };
const scored = (score: number, symbols = ['SYM_A']): SpamVerdict => ({
  kind: 'scored',
  score,
  requiredScore: 15,
  action: 'no action',
  symbols,
});
const ctx = { mailFrom: 'someone@sender.test', recipient: 'alice@rcpt.test', canReject: true };

function policy(bands: Band[], lists: { allow?: string[]; block?: string[] } = {}): FilterPolicy {
  return { ...defaultPolicy(TENANT), bands, allow: lists.allow ?? [], block: lists.block ?? [] };
}

const ALL: Band[] = [
  { minScore: 3, action: 'junk' },
  { minScore: 6, action: 'quarantine' },
  { minScore: 9, action: 'reject' },
  { minScore: 20, action: 'discard' },
];

describe('decide: antivirus', () => {
  it('quarantines an infected message with its signature, whatever the lists and score say', () => {
    const d = decide(policy(ALL, { allow: ['sender.test'] }), { kind: 'infected', signature: 'Test.EICAR.NDB' }, scored(-5), ctx);
    expect(d).toEqual({ action: 'quarantine', reason: 'virus', detail: 'Test.EICAR.NDB' });
  });

  it('quarantines an infected message even when rspamd could not score it', () => {
    const d = decide(policy([]), { kind: 'infected', signature: 'X' }, { kind: 'unscanned', reason: 'down' }, ctx);
    expect(d).toMatchObject({ action: 'quarantine', reason: 'virus' });
  });

  it('refuses loudly an unscanned antivirus verdict', () => {
    expect(() => decide(policy(ALL), { kind: 'unscanned', reason: 'clamd timeout' }, scored(0), ctx)).toThrow(
      /unscanned antivirus verdict \(clamd timeout\)/,
    );
  });

  it('refuses loudly an unscanned spam verdict of a clean message', () => {
    expect(() => decide(policy(ALL), clean, { kind: 'unscanned', reason: 'rspamd down' }, ctx)).toThrow(/unscanned spam verdict/);
  });
});

describe('decide: score bands', () => {
  it('delivers below the first band, with X-Spam headers saying no', () => {
    const d = decide(policy(ALL), clean, scored(1.5, ['BAYES_HAM']), ctx);
    expect(d).toEqual({
      action: 'deliver',
      headers: {
        'X-Spam-Flag': 'NO',
        'X-Spam-Score': '1.50',
        'X-Spam-Status': 'No, score=1.50, required=3.00, tests=BAYES_HAM',
        'X-Spam-Action': 'no action',
      },
    });
  });

  it('files into Junk in the junk band, flagged', () => {
    const d = decide(policy(ALL), clean, scored(3), ctx);
    expect(d).toMatchObject({ action: 'junk', headers: { 'X-Spam-Flag': 'YES', 'X-Spam-Score': '3.00' } });
  });

  it('quarantines in the quarantine band with score and symbols in the detail', () => {
    const d = decide(policy(ALL), clean, scored(7.25, ['GTUBE']), ctx);
    expect(d).toEqual({ action: 'quarantine', reason: 'spam', detail: 'spam score 7.25 ≥ 6 (quarantine band); symbols GTUBE' });
  });

  it('rejects in the reject band when the scan ran in time', () => {
    expect(decide(policy(ALL), clean, scored(15), ctx)).toEqual({ action: 'reject', reason: 'message refused as spam (score 15.00)' });
  });

  it('quarantines instead of rejecting when the scan ran too late', () => {
    const d = decide(policy(ALL), clean, scored(15), { ...ctx, canReject: false });
    expect(d).toMatchObject({ action: 'quarantine', reason: 'spam' });
    expect((d as { detail: string }).detail).toMatch(/too late to reject/);
  });

  it('discards only in a discard band the tenant set', () => {
    expect(decide(policy(ALL), clean, scored(25), ctx)).toMatchObject({ action: 'discard' });
    // the defaults never discard, however high the score
    expect(decide(defaultPolicy(TENANT), clean, scored(1000), ctx)).toMatchObject({ action: 'quarantine', reason: 'spam' });
  });

  it('follows the defaults: INBOX below 5, Junk from 5, quarantine from 10', () => {
    const p = defaultPolicy(TENANT);
    expect(decide(p, clean, scored(4.99), ctx).action).toBe('deliver');
    expect(decide(p, clean, scored(5), ctx).action).toBe('junk');
    expect(decide(p, clean, scored(10), ctx).action).toBe('quarantine');
  });

  it('with no bands delivers everything, flagged from rspamd own required score', () => {
    expect(decide(policy([]), clean, scored(16), ctx)).toMatchObject({ action: 'deliver', headers: { 'X-Spam-Flag': 'YES' } });
    expect(decide(policy([]), clean, scored(14), ctx)).toMatchObject({ action: 'deliver', headers: { 'X-Spam-Flag': 'NO' } });
  });

  it('a band boundary belongs to the band it starts', () => {
    expect(decide(policy(ALL), clean, scored(5.999), ctx).action).toBe('junk');
    expect(decide(policy(ALL), clean, scored(6), ctx).action).toBe('quarantine');
  });

  it('keeps header values to one line of printable ASCII', () => {
    const d = decide(policy(ALL), clean, { kind: 'scored', score: 0, requiredScore: 15, action: 'no\r\nBcc: x', symbols: ['A\r\nB'] }, ctx);
    const headers = (d as { headers: Record<string, string> }).headers;
    for (const v of Object.values(headers)) expect(v).not.toMatch(/[\r\n]/);
  });
});

describe('decide: allow and block lists', () => {
  it('delivers an allow-listed sender to the INBOX even with a reject score', () => {
    const d = decide(policy(ALL, { allow: ['someone@sender.test'] }), clean, scored(50), ctx);
    expect(d).toMatchObject({ action: 'deliver', headers: { 'X-Spam-Flag': 'NO' } });
    expect((d as { headers: Record<string, string> }).headers['X-Spam-Status']).toMatch(/allowlisted=someone@sender.test/);
  });

  it('allows by domain and by *.domain for subdomains', () => {
    expect(decide(policy(ALL, { allow: ['sender.test'] }), clean, scored(50), ctx).action).toBe('deliver');
    expect(decide(policy(ALL, { allow: ['*.sender.test'] }), clean, scored(15), ctx).action).toBe('reject');
    expect(decide(policy(ALL, { allow: ['*.sender.test'] }), clean, scored(50), { ...ctx, mailFrom: 'x@mail.sender.test' }).action).toBe(
      'deliver',
    );
  });

  it('quarantines a block-listed sender even with a ham score', () => {
    const d = decide(policy(ALL, { block: ['sender.test'] }), clean, scored(-2), ctx);
    expect(d).toEqual({
      action: 'quarantine',
      reason: 'blocked_sender',
      detail: 'sender someone@sender.test is on the block list (sender.test)',
    });
  });

  it('the more specific entry wins, block wins a tie', () => {
    expect(decide(policy(ALL, { allow: ['someone@sender.test'], block: ['sender.test'] }), clean, scored(0), ctx).action).toBe('deliver');
    expect(decide(policy(ALL, { allow: ['sender.test'], block: ['someone@sender.test'] }), clean, scored(0), ctx).action).toBe(
      'quarantine',
    );
    expect(decide(policy(ALL, { allow: ['sender.test'], block: ['sender.test'] }), clean, scored(0), ctx).action).toBe('quarantine');
    expect(senderListMatch({ allow: ['*.b.test'], block: ['*.test'] }, 'x@a.b.test')).toMatchObject({ list: 'allow' });
  });

  it('matches case-insensitively, and never the null sender', () => {
    expect(decide(policy(ALL, { block: ['sender.test'] }), clean, scored(0), { ...ctx, mailFrom: 'Someone@SENDER.Test' }).action).toBe(
      'quarantine',
    );
    expect(decide(policy(ALL, { block: ['sender.test'] }), clean, scored(0), { ...ctx, mailFrom: '' }).action).toBe('deliver');
  });

  it('does not take a look-alike domain for the listed one', () => {
    expect(decide(policy(ALL, { block: ['sender.test'] }), clean, scored(0), { ...ctx, mailFrom: 'x@evilsender.test' }).action).toBe(
      'deliver',
    );
  });
});

describe('policy validation', () => {
  it('normalizes patterns and refuses garbage', () => {
    expect(normalizePattern('@Example.COM')).toBe('example.com');
    expect(normalizePattern('Bob@Bücher.example')).toBe('bob@xn--bcher-kva.example');
    expect(normalizePattern('*.Example.com')).toBe('*.example.com');
    for (const bad of ['', 'a b@c.test', 'nodot', 'x@', '<x@y.test>', 'x@y.test\r\nBcc: z', '*.', 'a@b@c'])
      expect(normalizePattern(bad)).toBeNull();
  });

  it('requires ascending bands and an explicit choice of discard', () => {
    expect(
      validateBands(
        [
          { minScore: 5, action: 'junk' },
          { minScore: 5, action: 'quarantine' },
        ],
        { allowDiscard: false },
      ),
    ).toMatch(/ascending/);
    expect(validateBands([{ minScore: 5, action: 'discard' }], { allowDiscard: false })).toMatch(/allowDiscard/);
    expect(validateBands([{ minScore: 5, action: 'discard' }], { allowDiscard: true })).toBeNull();
  });
});
