import { domainToASCII, domainToUnicode } from 'node:url';
import { invalid } from '../../platform/errors';
import { MAX_ADDRESS, MAX_DOMAIN, MAX_LABEL, MAX_LOCAL_PART } from '../limits';

/**
 * Address and domain validation, strict on purpose: what is accepted here becomes a Dovecot login name
 * and a path into the system of record, so the rules are narrower than RFC 5322 allows.
 *
 * - Domains are stored in their ASCII (IDNA A-label) form, lower-case; Unicode input is converted with
 *   node:url's domainToASCII (UTS #46), so `müller.de` and `xn--mller-kva.de` are the same domain.
 * - Local parts are ASCII dot-atoms, lower-case (Dovecot looks users up lower-cased, `%Lu`). `*` is
 *   refused because it separates the master user in a login (`alice*postwerk`), `%` and `/` because
 *   they route or name paths elsewhere; quoted local parts and SMTPUTF8 local parts are not offered.
 */
const LOCAL_ATOM = /^[a-z0-9!#$&'+=?^_`{|}~-]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export type Problem = string;

/** Says what is wrong with a domain name (already lower-cased ASCII), or null. */
export function domainProblem(ascii: string): Problem | null {
  if (ascii.length === 0) return 'is empty or not a valid domain name';
  if (ascii.length > MAX_DOMAIN) return `is longer than ${MAX_DOMAIN} characters`;
  const labels = ascii.split('.');
  if (labels.length < 2) return 'needs at least two labels (like example.com)';
  for (const label of labels) {
    if (label.length === 0) return 'has an empty label (two dots, or a dot at either end)';
    if (label.length > MAX_LABEL) return `has a label longer than ${MAX_LABEL} characters`;
    if (!LABEL.test(label)) return `has an invalid label "${label}" (letters, digits and inner hyphens only)`;
  }
  if (/^[0-9]+$/.test(labels.at(-1)!)) return 'has an all-numeric top-level label (an IP address is not a mail domain)';
  return null;
}

/** Normalizes a domain (Unicode or ASCII, any case) to its lower-case ASCII form; throws 400 naming the problem. */
export function normalizeDomain(input: string, field = 'domain'): string {
  const trimmed = input.trim().replace(/\.$/, '');
  if (/[\s@/\\]/.test(trimmed))
    throw invalid(`${field} "${input}" is not a domain name`, [{ path: field, message: 'is not a domain name' }]);
  const ascii = domainToASCII(trimmed.toLowerCase());
  const problem = domainProblem(ascii);
  if (problem) throw invalid(`${field} "${input}" ${problem}`, [{ path: field, message: problem }]);
  return ascii;
}

export function localPartProblem(local: string): Problem | null {
  if (local.length === 0) return 'has an empty local part';
  if (local.length > MAX_LOCAL_PART) return `has a local part longer than ${MAX_LOCAL_PART} characters`;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return 'has a local part with a leading, trailing or double dot';
  for (const atom of local.split('.')) {
    if (!LOCAL_ATOM.test(atom)) return "has a local part with characters other than a-z, 0-9 and !#$&'+=?^_`{|}~-";
  }
  return null;
}

export interface ParsedAddress {
  address: string;
  localPart: string;
  domain: string;
}

/**
 * Parses `local@domain` into its normalized form: lower-case, domain in ASCII. Upper-case input is
 * accepted and folded (mail addresses are used case-insensitively everywhere Postwerk deals with them).
 */
export function parseAddress(input: string, field = 'address'): ParsedAddress {
  const value = input.trim();
  const at = value.lastIndexOf('@');
  const fail = (problem: string) => invalid(`${field} "${input}" ${problem}`, [{ path: field, message: problem }]);
  if (at < 0) throw fail('is not an address (local@domain)');
  const localPart = value.slice(0, at).toLowerCase();
  const problem = localPartProblem(localPart);
  if (problem) throw fail(problem);
  let domain: string;
  try {
    domain = normalizeDomain(value.slice(at + 1), field);
  } catch {
    const ascii = domainToASCII(value.slice(at + 1).toLowerCase());
    throw fail(`has an invalid domain: ${domainProblem(ascii) ?? 'not a domain name'}`);
  }
  const address = `${localPart}@${domain}`;
  if (address.length > MAX_ADDRESS) throw fail(`is longer than ${MAX_ADDRESS} characters`);
  return { address, localPart, domain };
}

/** The domain in Unicode for display (`xn--mller-kva.de` → `müller.de`). */
export const displayDomain = (ascii: string): string => domainToUnicode(ascii) || ascii;

/** Escapes a user-given prefix for `LIKE ? ESCAPE '\'`, identical on SQLite and PostgreSQL. */
export const likePrefix = (prefix: string): string => `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
