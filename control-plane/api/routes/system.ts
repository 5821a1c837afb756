import { z } from 'zod';
import { platformHealth } from '../../../platform/health';
import { route } from '../route';

/** Platform health for operators and support: readiness of every server, queue depths, failed jobs. */
const Check = z.object({ name: z.string(), ok: z.boolean(), ms: z.number(), error: z.string().optional() });
const QueueHealth = z.object({
  queue: z.string(),
  counts: z.object({ waiting: z.number(), active: z.number(), delayed: z.number(), failed: z.number(), completed: z.number() }),
  failed: z.array(
    z.object({ id: z.string(), name: z.string(), failedReason: z.string(), attemptsMade: z.number(), finishedAt: z.string().nullable() }),
  ),
  /** the figures could not be read (Redis down): the counts are then zeros, not the queue's */
  error: z.string().optional(),
});
const Health = z.object({ ok: z.boolean(), checks: z.array(Check), queues: z.array(QueueHealth) });

export const systemRoutes = [
  route({
    method: 'get',
    path: '/system/health',
    summary: 'Platform health: the readiness checks, each queue’s job counts and its latest failed jobs',
    tags: ['system'],
    permission: 'system.read',
    query: z.strictObject({ failedLimit: z.coerce.number().int().min(0).max(100).default(10) }),
    response: Health,
    handler: (ctx, { query }) => platformHealth(ctx, { failedLimit: query.failedLimit }),
  }),
];
