import { domainToASCII } from 'node:url';
import { z } from 'zod';
import {
  DEFAULT_QUARANTINE_DAYS,
  MAX_ABS_SCORE,
  MAX_BANDS,
  MAX_NOTE,
  MAX_PATTERN,
  MAX_QUARANTINE_DAYS,
  MIN_QUARANTINE_DAYS,
} from './limits';

/**
 * A tenant's filter policy: what a spam score means for its mail (score bands, each with an action),
 * who may release what from its quarantine, how long quarantined mail is kept, and its allow and
 * block lists of senders. Stored in `filter_policies` and `filter_sender_lists`; a tenant that never
 * set one gets DEFAULT_POLICY.
 */
export const BAND_ACTIONS = ['deliver', 'junk', 'quarantine', 'reject', 'discard'] as const;
export type BandAction = (typeof BAND_ACTIONS)[number];

export const bandSchema = z.strictObject({
  /** the band starts at this score (inclusive) and runs to the next band's start */
  minScore: z.number().finite().min(-MAX_ABS_SCORE).max(MAX_ABS_SCORE),
  action: z.enum(BAND_ACTIONS),
});
export type Band = z.infer<typeof bandSchema>;

/** Who may release a message quarantined for each reason: tenant admins (and operators), or operators only. */
export const RELEASERS = ['tenant_admin', 'operator'] as const;
export const releasePolicySchema = z.strictObject({
  spam: z.enum(RELEASERS),
  blocked_sender: z.enum(RELEASERS),
  virus: z.enum(RELEASERS),
});
export type ReleasePolicy = z.infer<typeof releasePolicySchema>;
export type QuarantineReason = keyof ReleasePolicy;

export const quarantineDaysSchema = z.number().int().min(MIN_QUARANTINE_DAYS).max(MAX_QUARANTINE_DAYS);

export const LISTS = ['allow', 'block'] as const;
export type ListKind = (typeof LISTS)[number];

export interface SenderListEntry {
  id: string;
  list: ListKind;
  /** `user@example.com`, `example.com` (that domain) or `*.example.com` (its subdomains) */
  pattern: string;
  note: string;
  createdAt: string;
}

export interface FilterPolicy {
  tenantId: string;
  /** ascending by minScore; a score below the first band is delivered to the INBOX */
  bands: Band[];
  releasePolicy: ReleasePolicy;
  quarantineDays: number;
  /** the patterns of the allow and block lists (decide needs only these) */
  allow: string[];
  block: string[];
  /** true while the tenant never set a policy of its own */
  isDefault: boolean;
  updatedAt: string | null;
}

/**
 * The defaults: flag from 5 (rspamd's "add header" is 6, a little stricter is kinder to users),
 * Junk from 5, quarantine from 10. No reject and never discard unless the tenant chooses them.
 * A virus needs an operator to be released; spam and blocked senders the tenant admin.
 */
export const DEFAULT_BANDS: readonly Band[] = Object.freeze([
  { minScore: 5, action: 'junk' },
  { minScore: 10, action: 'quarantine' },
]);
export const DEFAULT_RELEASE_POLICY: ReleasePolicy = Object.freeze({
  spam: 'tenant_admin',
  blocked_sender: 'tenant_admin',
  virus: 'operator',
});

export function defaultPolicy(tenantId: string): FilterPolicy {
  return {
    tenantId,
    bands: DEFAULT_BANDS.map((b) => ({ ...b })),
    releasePolicy: { ...DEFAULT_RELEASE_POLICY },
    quarantineDays: DEFAULT_QUARANTINE_DAYS,
    allow: [],
    block: [],
    isDefault: true,
    updatedAt: null,
  };
}

/**
 * Bands as a policy may hold them: at most MAX_BANDS, strictly ascending starts, and `discard` only
 * when the caller says so (`allowDiscard`): a discarded message is lost without a trace for the
 * recipient, so it must never be the result of a slip.
 */
export function validateBands(bands: Band[], opts: { allowDiscard: boolean }): string | null {
  if (bands.length > MAX_BANDS) return `at most ${MAX_BANDS} bands`;
  for (let i = 1; i < bands.length; i++) {
    if (bands[i]!.minScore <= bands[i - 1]!.minScore) return 'bands must be in strictly ascending order of minScore';
  }
  if (!opts.allowDiscard && bands.some((b) => b.action === 'discard'))
    return 'a discard band loses mail silently: set allowDiscard to true to choose it explicitly';
  return null;
}

/** Sender patterns, normalized: lower case, IDNA domains in ASCII, a leading `@` dropped. */
export const patternSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_PATTERN)
  .transform((raw, ctx) => {
    const p = normalizePattern(raw);
    if (!p) {
      ctx.addIssue({ code: 'custom', message: 'write an address (user@example.com), a domain (example.com) or *.example.com' });
      return z.NEVER;
    }
    return p;
  });

export const noteSchema = z
  .string()
  .max(MAX_NOTE)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters or line breaks');

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function asciiDomain(d: string): string | null {
  const ascii = domainToASCII(d.replace(/\.$/, ''));
  if (!ascii || ascii.length > 253) return null;
  return ascii.split('.').every((l) => LABEL.test(l)) && ascii.includes('.') ? ascii : null;
}

export function normalizePattern(raw: string): string | null {
  const p = raw.trim().toLowerCase().replace(/^@/, '');
  // quoted local parts and comments are legal in RFC 5322 but never what an admin means here
  if (!p || /[\p{Cc}\s<>()[\],;:"\\]/u.test(p)) return null;
  if (p.startsWith('*.')) {
    const d = asciiDomain(p.slice(2));
    return d ? `*.${d}` : null;
  }
  const at = p.lastIndexOf('@');
  if (at === -1) return asciiDomain(p);
  const local = p.slice(0, at);
  const domain = asciiDomain(p.slice(at + 1));
  if (!local || local.length > 64 || !domain) return null;
  return `${local}@${domain}`;
}

/** The envelope sender in the form patterns are compared with; null for the null sender or garbage. */
export function normalizeSender(mailFrom: string): { address: string; domain: string } | null {
  const p = mailFrom.trim().toLowerCase();
  const at = p.lastIndexOf('@');
  if (at < 1) return null;
  const domain = asciiDomain(p.slice(at + 1));
  return domain ? { address: `${p.slice(0, at)}@${domain}`, domain } : null;
}

/**
 * How specifically a pattern matches a sender (0: not at all): the address beats its domain, the
 * domain beats a wildcard, and a longer wildcard beats a shorter one.
 */
export function matchStrength(pattern: string, sender: { address: string; domain: string }): number {
  if (pattern.includes('@')) return pattern === sender.address ? 1000 : 0;
  if (pattern.startsWith('*.')) {
    const base = pattern.slice(2);
    return sender.domain.endsWith(`.${base}`) ? base.split('.').length : 0;
  }
  return pattern === sender.domain ? 500 : 0;
}
