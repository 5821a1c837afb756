import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { ImapFlow } from 'imapflow';
import request from 'supertest';
import { Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Role } from '../../platform/actor';
import type { Services } from '../../platform/context';
import { createRedis, JobQueue, startWorker } from '../../platform/queue';
import { silentLogger } from '../../platform/logger';
import { DoveadmClient } from '../../platform/mail/doveadm';
import { connectPlatformImap, masterLogin } from '../../platform/mail/imap';
import { createApiApp } from '../../control-plane/api/app';
import { hashSecret, newSecret, TOKEN_PREFIX } from '../../tenancy/shared/tokens';
import { migrationRoutes } from '../../control-plane/api/routes/migrations';
import { migrationJobHandlers, type MigrationHooks } from '../../migration-projects';
import { testConfig, testDb, uniq } from '../support/env';

/**
 * A migration test world: the API with the migration routes over the shared test database, a real
 * BullMQ worker on queue `migrations` under a prefix of its own (so test files never see each other's
 * jobs), the platform Dovecot as destination and the stack's source-imap as the old server.
 */
export interface World {
  services: Services;
  app: Express;
  hooks: MigrationHooks;
  worker: Worker;
  prefix: string;
  /** A BullMQ Queue on the same prefix, to look at jobs and schedulers. */
  inspect: Queue;
  close(): Promise<void>;
}

export function startWorld(): World {
  const config = { ...testConfig(), api: { ...testConfig().api, rateLimitPerMinute: 0 } };
  const db = testDb();
  const redis = createRedis(config.redisUrl);
  const prefix = uniq('pwmig');
  const queue = new JobQueue(redis, prefix);
  const services: Services = { config, db, logger: silentLogger, redis, queue, doveadm: new DoveadmClient(config.dovecot) };
  const hooks: MigrationHooks = {};
  const worker = startWorker({
    redisUrl: config.redisUrl,
    queue: 'migrations',
    handlers: migrationJobHandlers(services, { hooks }),
    logger: silentLogger,
    prefix,
    concurrency: 4,
  });
  const inspectConn = createRedis(config.redisUrl, { forWorker: true });
  const inspect = new Queue('migrations', { connection: inspectConn, prefix });
  const app = createApiApp(services, { routes: migrationRoutes });
  return {
    services,
    app,
    hooks,
    worker,
    prefix,
    inspect,
    async close() {
      await worker.close();
      (worker.opts.connection as Redis).disconnect();
      await inspect.close();
      inspectConn.disconnect();
      await queue.close();
      redis.disconnect();
      await db.destroy();
    },
  };
}

export async function apiToken(services: Services, role: Role, tenantId: string | null = null): Promise<string> {
  const secret = newSecret(TOKEN_PREFIX);
  await services.db('api_tokens').insert({
    id: randomUUID(),
    name: `${role}-${uniq()}`,
    token_hash: hashSecret(secret),
    prefix: secret.slice(0, 12),
    role,
    tenant_id: tenantId,
    created_at: new Date().toISOString(),
  });
  return secret;
}

export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
export const api = (app: Express) => request(app);

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: the migration tests need the stack's source-imap (stack/stack.sh up)`);
  return v;
}

export const source = {
  host: () => env('POSTWERK_SOURCE_IMAP_HOST'),
  port: () => Number(env('POSTWERK_SOURCE_IMAP_PORT')),
  password: () => env('POSTWERK_SOURCE_IMAP_PASSWORD'),
  masterUser: () => env('POSTWERK_SOURCE_MASTER_USER'),
  masterPassword: () => env('POSTWERK_SOURCE_MASTER_PASSWORD'),
};

export const uniqSourceUser = () => `${uniq('src')}@old.test`;

/** Logs in at the source as `user` (the source accepts any user with the shared password). */
export async function sourceImap(user: string): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: source.host(),
    port: source.port(),
    secure: false,
    auth: { user, pass: source.password() },
    logger: false,
    disableAutoIdle: true,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

let seq = 0;
export function message(subject: string): Buffer {
  return Buffer.from(
    `From: Old <old@old.test>\r\nTo: user@old.test\r\nSubject: ${subject}\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\nMessage-ID: <${uniq('m')}.${seq++}@old.test>\r\n\r\nBody of ${subject}\r\n`,
  );
}

/** Appends `count` messages to `folder` at the source (creating the folder). */
export async function seedSource(user: string, folder: string, count: number, tag = folder): Promise<void> {
  const c = await sourceImap(user);
  try {
    if (folder !== 'INBOX') await c.mailboxCreate(folder).catch(() => undefined);
    for (let i = 0; i < count; i++)
      await c.append(folder, message(`${tag} ${i + 1}`), i % 2 ? ['\\Seen'] : [], new Date('2026-03-03T10:00:00Z'));
  } finally {
    await c.logout().catch(() => undefined);
  }
}

/** The destination mailbox through the platform's master user. */
export async function destinationImap(services: Services, address: string): Promise<ImapFlow> {
  return connectPlatformImap(services.config.dovecot, masterLogin(services.config.dovecot, address));
}

export async function destinationCount(services: Services, address: string, folder = 'INBOX'): Promise<number> {
  const c = await destinationImap(services, address);
  try {
    const s = await c.status(folder, { messages: true });
    return s ? (s.messages ?? 0) : 0;
  } finally {
    await c.logout().catch(() => undefined);
  }
}

/** Polls `probe` until it returns a truthy value; fails with the last value seen. */
export async function waitFor<T>(what: string, probe: () => Promise<T>, timeoutMs = 40_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
