import { randomBytes } from 'node:crypto';

/** The TXT record that proves a tenant owns a domain (domain-ownership.ts); apart, so presenters can show it. */
export const VERIFICATION_LABEL = '_postwerk';
export const VERIFICATION_PREFIX = 'postwerk-verification=';

/** 24 random bytes, base64url: unguessable, so another tenant cannot publish it in advance. */
export const newVerificationToken = (): string => randomBytes(24).toString('base64url');

export const verificationRecord = (domain: string, token: string) => ({
  type: 'TXT' as const,
  name: `${VERIFICATION_LABEL}.${domain}`,
  value: `${VERIFICATION_PREFIX}${token}`,
});
