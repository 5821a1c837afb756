import type { Config } from '../platform/config';
import { createDb } from '../platform/db';
import { createLogger, type Logger } from '../platform/logger';
import { createRedis, JobQueue } from '../platform/queue';
import { DoveadmClient } from '../platform/mail/doveadm';
import type { Services } from '../platform/context';

// The types live in platform/context.ts so that domain modules below the control plane (quotas,
// migrator, filters, backup) can take a Ctx without importing the composition root.
export type { Services, Ctx } from '../platform/context';
export { withActor } from '../platform/context';

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
