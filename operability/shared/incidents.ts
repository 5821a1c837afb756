import { randomUUID } from 'node:crypto';
import { systemActor } from '../../platform/actor';
import { appendAudit } from '../../platform/audit';
import type { Services } from '../../platform/context';
import { isUniqueViolation } from '../../platform/db';
import { inTransaction } from '../../platform/db/transaction';
import { webhookUrlOf } from '../../quotas/repositories/usage';
import { incidentNotifyJob } from '../jobs';
import { INCIDENT_ERROR_MAX } from '../limits';
import * as repo from '../repositories/probes';
import type { IncidentRow, ProbeRunRow } from '../repositories/rows';
import { inBreach } from './aggregate';
import type { ProbeSettings } from './settings';

const ACTOR = systemActor('probe.run');

/**
 * Opens and closes a tenant's incidents after each probe run:
 * - `failure`: the last `failuresToOpen` runs all failed. It names the step of the run that opened it
 *   (login, select, fetch, delivery) and its error text; closed by the first run that succeeds.
 * - `latency`: every run of the last `slowMinutesToOpen` minutes succeeded but logged in slower than the
 *   target (at least that many minutes' worth of runs); closed by the first run back under the target.
 * A tenant has at most one open incident (a partial unique index holds it under two workers); a failure
 * while a latency incident is open keeps that one open. Opening and closing are audited on the tenant's
 * chain in the same transaction, and notified after the commit: the tenant's webhook (the one quota
 * notifications use) and the operators' (POSTWERK_OPERATOR_WEBHOOK_URL), one job each.
 */
export async function evaluateIncidents(
  services: Services,
  input: { tenantId: string; settings: ProbeSettings; run: Omit<ProbeRunRow, 'id'> },
): Promise<{ opened?: string; closed?: string }> {
  const { tenantId, settings, run } = input;
  const open = await repo.openIncident(services.db, tenantId);
  if (open) {
    const recovered = open.kind === 'failure' ? Boolean(run.ok) : !inBreach(run as ProbeRunRow, settings.loginP95TargetMs);
    if (!recovered) return {};
    await close(services, open, run.at);
    return { closed: open.id };
  }
  if (!run.ok) {
    const last = await repo.latestRuns(services.db, tenantId, settings.failuresToOpen);
    if (last.length < settings.failuresToOpen || last.some((r) => r.ok)) return {};
    const id = await openNew(services, {
      tenantId,
      kind: 'failure',
      step: run.failed_step ?? 'login',
      error: run.error,
      at: last.at(-1)!.at,
    });
    return id ? { opened: id } : {};
  }
  if (inBreach(run as ProbeRunRow, settings.loginP95TargetMs)) {
    const needed = Math.max(1, Math.round((settings.slowMinutesToOpen * 60) / settings.everySeconds));
    const last = await repo.latestRuns(services.db, tenantId, needed);
    if (last.length < needed || last.some((r) => !r.ok || !inBreach(r, settings.loginP95TargetMs))) return {};
    const worst = Math.max(...last.map((r) => Number(r.login_ms)));
    const id = await openNew(services, {
      tenantId,
      kind: 'latency',
      step: 'login',
      error: `IMAP login took up to ${worst} ms over ${settings.slowMinutesToOpen} minutes (target ${settings.loginP95TargetMs} ms)`,
      at: last.at(-1)!.at,
    });
    return id ? { opened: id } : {};
  }
  return {};
}

async function openNew(
  services: Services,
  o: { tenantId: string; kind: IncidentRow['kind']; step: IncidentRow['step']; error: string | null; at: string },
): Promise<string | null> {
  const row: IncidentRow = {
    id: randomUUID(),
    tenant_id: o.tenantId,
    kind: o.kind,
    step: o.step,
    error: o.error?.slice(0, INCIDENT_ERROR_MAX) ?? null,
    opened_at: o.at,
    closed_at: null,
    cause: null,
    fix: null,
    annotated_by: null,
    annotated_at: null,
  };
  try {
    const inserted = await inTransaction(services.db, async ({ trx, afterCommit }) => {
      if (!(await repo.insertIncident(trx, row))) return false;
      await appendAudit(trx, ACTOR, {
        action: 'probe.incident.opened',
        tenantId: o.tenantId,
        target: { type: 'probe_incident', id: row.id },
        after: { kind: row.kind, step: row.step, error: row.error, openedAt: row.opened_at },
      });
      afterCommit(() => notify(services, row.id, row.tenant_id, 'incident.opened'));
      return true;
    });
    if (inserted)
      services.logger.warn({ tenantId: o.tenantId, incidentId: row.id, step: row.step, kind: row.kind }, 'probe incident opened');
    return inserted ? row.id : null;
  } catch (e) {
    // another worker opened the tenant's incident at the same moment
    if (isUniqueViolation(e)) return null;
    throw e;
  }
}

async function close(services: Services, incident: IncidentRow, at: string): Promise<void> {
  await inTransaction(services.db, async ({ trx, afterCommit }) => {
    if (!(await repo.closeIncident(trx, incident.id, at))) return;
    await appendAudit(trx, ACTOR, {
      action: 'probe.incident.closed',
      tenantId: incident.tenant_id,
      target: { type: 'probe_incident', id: incident.id },
      before: { closedAt: null },
      after: { closedAt: at },
    });
    afterCommit(() => notify(services, incident.id, incident.tenant_id, 'incident.closed'));
  });
  services.logger.info({ tenantId: incident.tenant_id, incidentId: incident.id }, 'probe incident closed');
}

async function notify(services: Services, incidentId: string, tenantId: string, event: 'incident.opened' | 'incident.closed') {
  // a notification that cannot be queued (Redis down) must not undo the incident: it is logged
  try {
    if (await webhookUrlOf(services.db, tenantId))
      await services.queue.enqueue(incidentNotifyJob, { incidentId, event, target: 'tenant' as const });
    if (services.config.operatorWebhookUrl)
      await services.queue.enqueue(incidentNotifyJob, { incidentId, event, target: 'operators' as const });
  } catch (e) {
    services.logger.error({ incidentId, event, err: (e as Error).message }, 'incident notification not queued');
  }
}
