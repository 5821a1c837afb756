import { generateKeyPair, randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import { appendAudit } from '../../../platform/audit';
import { systemActor } from '../../../platform/actor';
import type { Ctx, Services } from '../../../platform/context';
import { inTransaction } from '../../../platform/db/transaction';
import { notFound } from '../../../platform/errors';
import { createSecretBox } from '../../../platform/secrets';
import { findDomain, findDomainByName } from '../../../tenancy/repositories/domains';
import { authorizeTenant } from '../../policy/use-cases/access';
import { DKIM_KEY_BITS } from '../limits';
import { activeDkimKey, dkimKeysOf, rotateDkimKey, type DkimKeyRow } from '../repositories/outbound';

/**
 * DKIM keys per domain: an RSA key pair made for a domain the first time it sends (or when the API is
 * asked for its record), the private key sealed with the platform key (platform/secrets.ts), the public
 * one shown as the TXT record to publish at `<selector>._domainkey.<domain>`. Rotation makes a new key
 * under a new selector and retires the old one; the old record should stay published for a few days,
 * until mail signed with it has been verified (the API lists retired keys for that).
 */
const generate = promisify(generateKeyPair);

const sealContext = (id: string) => `dkim_keys:${id}`;

function newSelector(now: Date): string {
  // pw + date + random: unique per domain, sortable, and not a guessable constant
  return `pw${now.toISOString().slice(0, 10).replace(/-/g, '')}${randomBytes(2).toString('hex')}`;
}

async function makeKey(config: Services['config'], domain: { id: string; tenant_id: string; name: string }): Promise<DkimKeyRow> {
  const { publicKey, privateKey } = await generate('rsa', {
    modulusLength: DKIM_KEY_BITS,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const id = randomUUID();
  const now = new Date();
  return {
    id,
    tenant_id: domain.tenant_id,
    domain_id: domain.id,
    domain: domain.name.toLowerCase(),
    selector: newSelector(now),
    private_key: createSecretBox(config.secretKey).seal(privateKey as unknown as string, sealContext(id)),
    public_key: (publicKey as unknown as Buffer).toString('base64'),
    status: 'active',
    created_at: now.toISOString(),
    retired_at: null,
  };
}

/** The TXT record of a key (RFC 6376 3.6.1). */
export const dkimRecordOf = (k: Pick<DkimKeyRow, 'selector' | 'domain' | 'public_key'>) => ({
  name: `${k.selector}._domainkey.${k.domain}`,
  type: 'TXT' as const,
  value: `v=DKIM1; k=rsa; p=${k.public_key}`,
});

/** The signing key of a sending domain (made on first use); null when the domain is not the platform's. */
export async function signingKeyOf(
  deps: Pick<Services, 'db' | 'config'>,
  domainName: string,
): Promise<{ domainName: string; keySelector: string; privateKey: string } | null> {
  let key = await activeDkimKey(deps.db, domainName);
  if (!key) {
    const domain = await findDomainByName(deps.db, domainName.toLowerCase());
    if (!domain) return null;
    const made = await makeKey(deps.config, domain);
    key = await inTransaction(deps.db, async ({ trx }) => {
      // two workers signing the first message at once: the first key wins, the second is not stored
      const existing = await activeDkimKey(trx, domainName);
      if (existing) return existing;
      await rotateDkimKey(trx, made);
      await appendAudit(trx, systemActor('dkim'), {
        action: 'dkim.key.created',
        tenantId: domain.tenant_id,
        target: { type: 'domain', id: domain.id },
        after: { selector: made.selector, domain: made.domain },
      });
      return made;
    });
  }
  return {
    domainName: key.domain,
    keySelector: key.selector,
    privateKey: createSecretBox(deps.config.secretKey).open(key.private_key, sealContext(key.id)),
  };
}

export const dkimDomainInput = z.strictObject({ tenantId: z.uuid(), domainId: z.uuid() });
export type DkimDomainInput = z.infer<typeof dkimDomainInput>;

const present = (k: DkimKeyRow) => ({
  selector: k.selector,
  status: k.status,
  createdAt: k.created_at,
  retiredAt: k.retired_at,
  record: dkimRecordOf(k),
});

/** The DNS records to publish for a domain (the active key first; made now when the domain has none). */
export async function getDkimRecords(ctx: Ctx, raw: DkimDomainInput) {
  const input = dkimDomainInput.parse(raw);
  await authorizeTenant(ctx, ctx.db, 'domain.read', input.tenantId);
  const domain = await findDomain(ctx.db, input.tenantId, input.domainId);
  if (!domain) throw notFound('domain', input.domainId);
  if (!(await activeDkimKey(ctx.db, domain.name))) await signingKeyOf(ctx, domain.name);
  const keys = await dkimKeysOf(ctx.db, domain.id);
  return { domain: domain.name, keys: keys.map(present) };
}

/** A new key under a new selector; the old one is retired (publish the new record before mail goes out with it). */
export async function rotateDkim(ctx: Ctx, raw: DkimDomainInput) {
  const input = dkimDomainInput.parse(raw);
  await authorizeTenant(ctx, ctx.db, 'domain.write', input.tenantId);
  const domain = await findDomain(ctx.db, input.tenantId, input.domainId);
  if (!domain) throw notFound('domain', input.domainId);
  const made = await makeKey(ctx.config, domain);
  await inTransaction(ctx.db, async ({ trx }) => {
    const before = await activeDkimKey(trx, domain.name);
    await rotateDkimKey(trx, made);
    await appendAudit(trx, ctx.actor, {
      action: 'dkim.key.rotated',
      tenantId: domain.tenant_id,
      target: { type: 'domain', id: domain.id },
      before: before ? { selector: before.selector } : null,
      after: { selector: made.selector },
    });
  });
  const keys = await dkimKeysOf(ctx.db, domain.id);
  return { domain: domain.name, keys: keys.map(present) };
}
