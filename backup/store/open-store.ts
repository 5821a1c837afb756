// openStore: the body store of one tenant, with its data key unwrapped by the platform key.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Services } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { createSecretBox } from '../../platform/secrets';
import { nowIso } from '../../platform/db';
import { findBackupKey, insertBackupKeyIfAbsent } from '../repositories/keys';
import { LocalFolderBackend, type ObjectBackend } from './backend';
import { dataKeyId } from './format';
import { createBodyStore, type BodyStore } from './store';

const UUID = /^[0-9a-f-]{36}$/i;
/** The data key is sealed for its tenant: a key row copied to another tenant does not open. */
const keyContext = (tenantId: string) => `backup_keys:${tenantId}`;

export function tenantBackend(config: Services['config'], tenantId: string, stagingArea?: string): ObjectBackend {
  if (!UUID.test(tenantId)) throw new AppError('validation_failed', `bad tenant id ${JSON.stringify(tenantId)}`);
  return new LocalFolderBackend(path.join(config.backup.dir, tenantId), { stagingArea });
}

/**
 * Loads (or with `create`, creates on first use) the tenant's data key. A key that does not unwrap with the
 * platform key (POSTWERK_SECRET_KEY changed), does not match its recorded id, or is missing when bodies are
 * to be read, fails loudly: a backup that cannot be decrypted must never look like an empty one.
 */
export async function tenantDataKey(services: Pick<Services, 'config' | 'db'>, tenantId: string, create: boolean): Promise<Buffer> {
  const box = createSecretBox(services.config.secretKey);
  let row = await findBackupKey(services.db, tenantId);
  if (!row) {
    if (!create) {
      throw new AppError('internal', `tenant ${tenantId} has no backup data key: its backups cannot be decrypted`, {
        kind: 'backup_key_missing',
      });
    }
    const key = randomBytes(32);
    await insertBackupKeyIfAbsent(services.db, {
      tenant_id: tenantId,
      key_id: dataKeyId(key).toString('hex'),
      sealed_key: box.seal(key.toString('base64'), keyContext(tenantId)),
      created_at: nowIso(),
    });
    row = (await findBackupKey(services.db, tenantId))!;
  }
  let key: Buffer;
  try {
    key = Buffer.from(box.open(row.sealed_key, keyContext(tenantId)), 'base64');
  } catch (e) {
    throw new AppError('internal', `backup data key of tenant ${tenantId} cannot be unwrapped: ${(e as Error).message}`, {
      kind: 'backup_key_unusable',
    });
  }
  if (key.length !== 32 || dataKeyId(key).toString('hex') !== row.key_id) {
    throw new AppError('internal', `backup data key of tenant ${tenantId} does not match its id ${row.key_id}`, {
      kind: 'backup_key_unusable',
    });
  }
  return key;
}

/**
 * The tenant's body store. Backups open it with `create: true` (the first backup makes the key); restores,
 * exports and checks open it without, so that a lost key is an error rather than a fresh, empty store.
 */
export async function openStore(
  services: Pick<Services, 'config' | 'db'>,
  tenantId: string,
  /** `stagingArea`: the account whose backup pass (and lease) this store serves, see LocalFolderBackend */
  opts: { create?: boolean; stagingArea?: string } = {},
): Promise<BodyStore> {
  const key = await tenantDataKey(services, tenantId, opts.create ?? false);
  return createBodyStore(tenantId, tenantBackend(services.config, tenantId, opts.stagingArea), key);
}
