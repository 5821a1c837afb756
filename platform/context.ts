import type { Redis } from 'ioredis';
import type { Config } from './config';
import type { Db } from './db';
import type { Logger } from './logger';
import type { JobQueue } from './queue';
import type { DoveadmClient } from './mail/doveadm';
import type { Actor } from './actor';

/**
 * The long-lived clients of one Postwerk process, made once by the composition root
 * (control-plane/services.ts) and passed down; there is no global singleton. A request or a job pairs
 * them with its actor as a Ctx, which every domain command takes first.
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

export const withActor = (services: Services, actor: Actor): Ctx => ({ ...services, actor });
