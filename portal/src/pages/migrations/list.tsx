import { Link, useLocation } from 'wouter-preact';
import { allPages, api, call } from '../../api/client';
import type { Page, ProjectView } from '../../api/migrations';
import { useI18n } from '../../i18n';
import { useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { Badge, useTitle } from '../../components/ui';
import { useSession } from '../../session';

/** Migration engineers and operators work across tenants: pick one, then its projects. */
export function MigrationsHome() {
  const { t } = useI18n();
  const { me } = useSession();
  const [, navigate] = useLocation();
  useTitle(t('projects'));
  const tenants = useResource(() => allPages((cursor) => call(api.GET('/tenants', { params: { query: { limit: 500, cursor } } }))), []);
  if (me.tenantId) {
    navigate(`/t/${me.tenantId}/migrations`, { replace: true });
    return null;
  }
  return (
    <section data-page="migrations-home">
      <h1>{t('projects')}</h1>
      <Loaded res={tenants}>
        {(list) => (
          <ul class="tenant-list">
            {list.map((tn) => (
              <li key={tn.id}>
                <Link href={`/t/${tn.id}/migrations`}>{tn.name}</Link> <small>({tn.slug})</small>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </section>
  );
}

export function ProjectList({ params }: { params: { tenantId: string } }) {
  const { t, date } = useI18n();
  const { me } = useSession();
  const { tenantId } = params;
  useTitle(t('projects'));
  const tenant = useResource(() => call(api.GET('/tenants/{tenantId}', { params: { path: { tenantId } } })), [tenantId]);
  const projects = useResource(
    async () =>
      (await call(
        api.GET('/tenants/{tenantId}/migrations', { params: { path: { tenantId }, query: { limit: 200 } } }),
      )) as unknown as Page<ProjectView>,
    [tenantId],
    { everyMs: 10_000 },
  );
  const canWrite = me.role === 'migration_engineer' || me.role === 'operator';
  return (
    <Loaded res={tenant}>
      {(tn) => (
        <section data-page="projects">
          <h1>
            {t('projects')}: {tn.name}
          </h1>
          {canWrite && (
            <p>
              <Link href={`/t/${tenantId}/migrations/new`}>{t('newProject')}</Link>
            </p>
          )}
          <Loaded res={projects}>
            {(p) =>
              p.items.length === 0 ? (
                <p>{t('none')}</p>
              ) : (
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t('name')}</th>
                        <th scope="col">{t('status')}</th>
                        <th scope="col">{t('accounts')}</th>
                        <th scope="col">{t('cutover')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {p.items.map((pr) => (
                        <tr key={pr.id}>
                          <td>
                            <Link href={`/t/${tenantId}/migrations/${pr.id}`}>{pr.name}</Link>
                          </td>
                          <td>
                            <Badge status={pr.status} />
                          </td>
                          <td>
                            {pr.accounts.total}{' '}
                            <small>
                              {Object.entries(pr.accounts.byStatus)
                                .map(([s, n]) => `${s}: ${n}`)
                                .join(', ')}
                            </small>
                          </td>
                          <td>{date(pr.cutoverAt)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )
            }
          </Loaded>
        </section>
      )}
    </Loaded>
  );
}
