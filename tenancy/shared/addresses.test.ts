import { domainProblem, likePrefix, localPartProblem, normalizeDomain, parseAddress } from './addresses';

describe('address validation', () => {
  it('folds case and converts IDNA domains to ASCII', () => {
    expect(parseAddress('  Alice.Smith+news@Example.COM ')).toEqual({
      address: 'alice.smith+news@example.com',
      localPart: 'alice.smith+news',
      domain: 'example.com',
    });
    expect(parseAddress('info@Müller.de').domain).toBe('xn--mller-kva.de');
    expect(parseAddress('info@xn--mller-kva.de').address).toBe('info@xn--mller-kva.de');
    expect(normalizeDomain('BÜCHER.example.')).toBe('xn--bcher-kva.example');
  });

  it.each([
    ['plain', /is not an address/],
    ['@example.com', /empty local part/],
    ['a..b@example.com', /double dot/],
    ['a.@example.com', /trailing/],
    ['jörg@example.com', /characters other than/],
    ['a*master@example.com', /characters other than/],
    ['a%b@example.com', /characters other than/],
    ['a/b@example.com', /characters other than/],
    ['"quoted"@example.com', /characters other than/],
    ['a b@example.com', /characters other than/],
    [`${'a'.repeat(65)}@example.com`, /longer than 64/],
    ['a@example', /at least two labels/],
    ['a@-example.com', /invalid label/],
    ['a@exa_mple.com', /invalid/],
    ['a@example..com', /empty label|not a domain/],
    ['a@10.0.0.1', /all-numeric/],
    [`a@${'b'.repeat(64)}.com`, /longer than 63/],
    [`${'a'.repeat(64)}@${Array(4).fill('c'.repeat(60)).join('.')}.com`, /longer than/],
  ])('refuses %s', (input, problem) => {
    expect(() => parseAddress(input)).toThrow(problem);
  });

  it('names the field and problem in the error details', () => {
    try {
      parseAddress('nope', 'targetAddress');
      throw new Error('not thrown');
    } catch (e) {
      expect((e as { code: string; details: unknown }).code).toBe('validation_failed');
      expect((e as { details: unknown }).details).toEqual([{ path: 'targetAddress', message: 'is not an address (local@domain)' }]);
    }
  });

  it('checks domains and local parts on their own', () => {
    expect(domainProblem('example.com')).toBeNull();
    expect(domainProblem('')).toMatch(/empty/);
    expect(localPartProblem("o'brien")).toBeNull();
    expect(localPartProblem('x'.repeat(64))).toBeNull();
  });

  it('escapes LIKE wildcards in search prefixes', () => {
    expect(likePrefix('A_b%c\\')).toBe('a\\_b\\%c\\\\%');
  });
});
