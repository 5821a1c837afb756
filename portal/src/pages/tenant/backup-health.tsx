import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { Badge } from '../../components/ui';

// The drill, check and notification routes declare their answers by TypeScript type only (no zod
// schema in the OpenAPI document): the fields shown here, as backup/use-cases/list-drills.ts,
// list-backup-checks.ts and list-backup-notifications.ts answer them.
interface Drill {
  status: string;
  finishedAt: string | null;
  error: string | null;
  result: {
    sampled: number;
    passed: number;
    recoveryTimeMs: number | null;
    recoveryPoint: { maxSeconds: number | null; neverBackedUp: number };
  } | null;
}
interface Check {
  status: string;
  finishedAt: string | null;
  result: { checked?: number; missing?: number; corrupt?: number } | null;
}
interface Notification {
  id: number;
  event: string;
  createdAt: string;
}

/**
 * The tenant's backups at a glance, for its admin and operators: the last restore drill (passed or not,
 * the recovery point and time it measured), the last integrity check, and the latest notifications.
 */
export function BackupHealth({ tenantId }: { tenantId: string }) {
  const { t, date } = useI18n();
  const path = { tenantId };
  const health = useResource(
    async () => {
      const [drills, checks, notes] = await Promise.all([
        call(api.GET('/tenants/{tenantId}/backups/drills', { params: { path, query: { limit: 1 } } })),
        call(api.GET('/tenants/{tenantId}/backups/checks', { params: { path, query: { kind: 'integrity', limit: 1 } } })),
        call(api.GET('/tenants/{tenantId}/backups/notifications', { params: { path, query: { limit: 5 } } })),
      ]);
      return {
        drill: ((drills as { items: Drill[] }).items[0] ?? null) as Drill | null,
        check: ((checks as { items: Check[] }).items[0] ?? null) as Check | null,
        notifications: (notes as { items: Notification[] }).items,
      };
    },
    [tenantId],
    { everyMs: 30_000 },
  );
  const minutes = (s: number) => String(Math.max(1, Math.round(s / 60)));
  return (
    <section class="card" aria-labelledby="backup-health-h" data-testid="backup-health">
      <h2 id="backup-health-h">{t('backupHealth')}</h2>
      <Loaded res={health}>
        {(h) => (
          <>
            <h3>{t('lastDrill')}</h3>
            {h.drill ? (
              <p data-testid="last-drill">
                <Badge status={h.drill.status} />{' '}
                {h.drill.result
                  ? t('drillFigures', {
                      passed: String(h.drill.result.passed),
                      sampled: String(h.drill.result.sampled),
                      rpo: h.drill.result.recoveryPoint.maxSeconds === null ? '–' : minutes(h.drill.result.recoveryPoint.maxSeconds),
                      rto: h.drill.result.recoveryTimeMs === null ? '–' : (h.drill.result.recoveryTimeMs / 1000).toFixed(1),
                    })
                  : ''}
                {h.drill.finishedAt && ` (${date(h.drill.finishedAt)})`}
                {h.drill.error && <span class="field-error"> {h.drill.error}</span>}
              </p>
            ) : (
              <p>{t('none')}</p>
            )}
            <h3>{t('lastIntegrityCheck')}</h3>
            {h.check ? (
              <p data-testid="last-integrity">
                <Badge status={h.check.status} />{' '}
                {t('integrityFigures', {
                  checked: String(h.check.result?.checked ?? 0),
                  missing: String(h.check.result?.missing ?? 0),
                  corrupt: String(h.check.result?.corrupt ?? 0),
                })}
                {h.check.finishedAt && ` (${date(h.check.finishedAt)})`}
              </p>
            ) : (
              <p>{t('none')}</p>
            )}
            {h.notifications.length > 0 && (
              <>
                <h3>{t('backupNotifications')}</h3>
                <ul data-testid="backup-notifications">
                  {h.notifications.map((n) => (
                    <li key={n.id}>
                      {t(n.event === 'backup.drill-failed' ? 'drillFailedNote' : 'integrityFailedNote')} ({date(n.createdAt)})
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
