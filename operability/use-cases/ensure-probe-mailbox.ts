import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../../platform/context';
import { nowIso } from '../../platform/db';
import { hashPassword } from '../../platform/passwords';
import { createSecretBox } from '../../platform/secrets';
import {
  findProbeMailbox,
  insertProbeMailbox,
  PROBE_DOMAIN,
  updateProbePassword,
  type ProbeMailboxRow,
} from '../../tenancy/repositories/probe-mailboxes';
import { PROBE_MAILBOX_QUOTA_BYTES, PROBE_PASSWORD_COST } from '../limits';

export const ensureProbeMailboxInput = z.object({ tenantId: z.uuid() });

export interface ProbeLogin {
  id: string;
  tenantId: string;
  address: string;
  password: string;
}

const sealContext = (id: string) => `probe_mailboxes:${id}`;

/**
 * The tenant's probe mailbox, created on first use and kept: a login name in no real domain
 * (`probe-<24 random hex>@probe.postwerk.invalid`, unguessable, so nobody outside can mail it), a random
 * password (bcrypt for Dovecot, sealed with the platform key for the probe), a small quota of its own
 * outside the tenant's pool. Not an account: no account list, pool, usage collection or backup sees it.
 * When the platform key changed and the sealed password no longer opens, a new password is set.
 */
export async function ensureProbeMailbox(services: Pick<Services, 'db' | 'config'>, input: z.input<typeof ensureProbeMailboxInput>) {
  const { tenantId } = ensureProbeMailboxInput.parse(input);
  const box = createSecretBox(services.config.secretKey);
  let row: ProbeMailboxRow | undefined = await findProbeMailbox(services.db, tenantId);
  if (!row) {
    const id = randomUUID();
    const password = randomBytes(24).toString('base64url');
    await insertProbeMailbox(services.db, {
      id,
      tenant_id: tenantId,
      address: `probe-${randomBytes(12).toString('hex')}@${PROBE_DOMAIN}`,
      password_hash: await hashPassword(password, PROBE_PASSWORD_COST),
      password_sealed: box.seal(password, sealContext(id)),
      // beside the tenant's account mailboxes (<tenant>/<account uuid>); no account id is this name
      mail_path: `${tenantId}/probe`,
      quota_bytes: PROBE_MAILBOX_QUOTA_BYTES,
      created_at: nowIso(),
    });
    // two workers at once: the first insert wins, both read it back
    row = (await findProbeMailbox(services.db, tenantId))!;
  }
  let password: string;
  try {
    password = box.open(row.password_sealed, sealContext(row.id));
  } catch {
    password = randomBytes(24).toString('base64url');
    await updateProbePassword(
      services.db,
      row.id,
      await hashPassword(password, PROBE_PASSWORD_COST),
      box.seal(password, sealContext(row.id)),
    );
  }
  return { id: row.id, tenantId, address: row.address, password } satisfies ProbeLogin;
}
