import type { Redis } from 'ioredis';
import type { Config } from '../platform/config';
import { createDb, type Db } from '../platform/db';
import { createLogger, type Logger } from '../platform/logger';
import { createRedis, JobQueue } from '../platform/queue';
import { DoveadmClient } from '../platform/mail/doveadm';
import type { Actor } from '../platform/actor';

/**
 * The long-lived clients of one Postwerk process, made once at start (the composition root passes them
 * down; there is no global singleton). A request or a job pairs them with its actor as a Ctx.
 */
export interface Services {
  config: Config;
  db: Db;
  logger: Logger;
  redis: Redis;
  queue: JobQueue;
  doveadm: DoveadmClient;
}

export interface Ctx extends Services {
  actor: Actor;
}

export function createServices(config: Config, opts: { logger?: Logger } = {}): Services & { close(): Promise<void> } {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const db = createDb(config);
  const redis = createRedis(config.redisUrl);
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  const queue = new JobQueue(redis);
  const doveadm = new DoveadmClient(config.dovecot);
  return {
    config,
    db,
    logger,
    redis,
    queue,
    doveadm,
    async close() {
      await queue.close();
      redis.disconnect();
      await db.destroy();
    },
  };
}

export const withActor = (services: Services, actor: Actor): Ctx => ({ ...services, actor });
