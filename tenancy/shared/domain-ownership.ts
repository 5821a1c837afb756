import type { Actor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Services } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { lookupTxt } from '../../platform/dns';
import { inTransaction } from '../../platform/db/transaction';
import { AppError } from '../../platform/errors';
import { DNS_TIMEOUT_MS, DNS_TRIES, MAX_TXT_RECORDS } from '../limits';
import { presentDomain } from '../presenters';
import { findDomainById, updateDomain } from '../repositories/domains';
import type { DomainRow } from '../repositories/rows';
import { displayDomain } from './addresses';
import { VERIFICATION_PREFIX, verificationRecord } from './verification-record';

/**
 * Domain ownership. A domain a tenant admin adds is `pending` until its tenant shows it controls the
 * name's DNS: a TXT record `postwerk-verification=<token>` at `_postwerk.<domain>` (a name of its own,
 * so the record does not crowd the apex's TXT set with SPF and others, and a CNAME there can delegate
 * it). Until then the domain takes no mail (RCPT 554 5.7.1) and no accounts (409 `domain_unverified`).
 * Checked by the `domain.verify-sweep` job every 10 minutes and on demand (API, CLI); only an operator
 * may mark a domain verified without the record. Both are audited.
 */
/** Refuses what a pending domain may not have: accounts (which log in), renames into it. */
export function assertDomainVerified(domain: DomainRow, what = 'an account'): void {
  if ((domain.verification_status ?? 'verified') === 'verified') return;
  const rec = domain.verification_token ? verificationRecord(domain.name, domain.verification_token) : null;
  throw new AppError(
    'domain_unverified',
    `domain ${displayDomain(domain.name)} is not verified yet, so it cannot have ${what}: ` +
      (rec
        ? `publish the TXT record ${rec.name} "${rec.value}" and ask for a check (POST …/domains/${domain.id}/verify), or ask an operator`
        : 'ask an operator to verify it'),
    [{ path: 'address', message: `domain ${domain.name} is pending verification` }],
  );
}

/** What one DNS check found: whether the record is there, and if not, why, in words. */
export async function checkVerificationRecord(
  services: Pick<Services, 'config'>,
  domain: Pick<DomainRow, 'name' | 'verification_token'>,
): Promise<{ ok: boolean; error: string | null }> {
  if (!domain.verification_token) return { ok: false, error: 'this domain has no verification token; ask an operator' };
  const rec = verificationRecord(domain.name, domain.verification_token);
  const answer = await lookupTxt(services.config.dns, rec.name, { timeoutMs: DNS_TIMEOUT_MS, tries: DNS_TRIES });
  if (!answer.found) return { ok: false, error: `no TXT record "${rec.value}": ${answer.message}` };
  const records = answer.records.slice(0, MAX_TXT_RECORDS).map((r) => r.trim());
  if (records.includes(rec.value)) return { ok: true, error: null };
  const ours = records.filter((r) => r.startsWith(VERIFICATION_PREFIX));
  return {
    ok: false,
    error: ours.length
      ? `${rec.name} has ${ours.length} postwerk-verification record(s), none with this domain's token`
      : `${rec.name} has TXT records, none of them "${rec.value}"`,
  };
}

/**
 * Checks one pending domain's DNS and records the answer: verified (audited as `domain.verified`, by
 * `actor`: the staff member who asked, or the system for the sweep), or still pending with the reason.
 * DNS is asked outside the transaction; the row is re-read inside it, so a domain verified, deleted or
 * given a new token meanwhile is left as it is.
 */
export async function runVerificationCheck(services: Services, actor: Actor, domain: DomainRow, method: 'dns') {
  const result = await checkVerificationRecord(services, domain);
  return inTransaction(services.db, async ({ trx }) => {
    const current = await findDomainById(trx, domain.id);
    if (!current || current.verification_status !== 'pending' || current.verification_token !== domain.verification_token) {
      return current ? presentDomain(current) : null;
    }
    const now = nowIso();
    if (!result.ok) {
      await updateDomain(trx, domain.id, { verification_checked_at: now, verification_error: result.error?.slice(0, 1000) ?? null });
      return presentDomain({ ...current, verification_checked_at: now, verification_error: result.error });
    }
    const patch = {
      verification_status: 'verified' as const,
      verification_checked_at: now,
      verification_error: null,
      verified_at: now,
      updated_at: now,
    };
    await updateDomain(trx, domain.id, patch);
    const after = presentDomain({ ...current, ...patch });
    await appendAudit(trx, actor, {
      action: 'domain.verified',
      tenantId: current.tenant_id,
      target: { type: 'domain', id: current.id },
      before: presentDomain(current),
      after: { ...after, method },
    });
    return after;
  });
}
