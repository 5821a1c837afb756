import M from './messages.json';
import { translate } from './i18n';

describe('the portal texts (messages.json)', () => {
  it('has every key in English and German, with the same placeholders in both', () => {
    const bad: string[] = [];
    for (const [key, pair] of Object.entries(M as Record<string, unknown>)) {
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((s) => typeof s === 'string' && s.trim() !== '')) {
        bad.push(`${key}: not an [English, German] pair`);
        continue;
      }
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      if (vars(pair[0]).join() !== vars(pair[1]).join()) bad.push(`${key}: placeholders ${vars(pair[0])} / ${vars(pair[1])}`);
    }
    expect(bad).toEqual([]);
    expect(Object.keys(M).length).toBeGreaterThan(100);
  });

  it('fills placeholders and picks the language', () => {
    expect(translate('en', 'signedInAs', { who: 'a@b.test', role: 'support' })).toBe('Signed in as a@b.test (support)');
    expect(translate('de', 'signedInAs', { who: 'a@b.test', role: 'Support' })).toBe('Angemeldet als a@b.test (Support)');
  });
});
