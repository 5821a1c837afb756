import { api, call } from '../../api/client';
import { useI18n } from '../../i18n';
import { useResource } from '../../live';
import { Loaded } from '../../components/loaded';
import { useTitle } from '../../components/ui';

export function HealthPage() {
  const { t, date, num } = useI18n();
  useTitle(t('navHealth'));
  const health = useResource(() => call(api.GET('/system/health', { params: { query: { failedLimit: 10 } } })), [], { everyMs: 5_000 });
  return (
    <section data-page="health">
      <h1>
        {t('navHealth')} <small class="live-badge">{t('updatedLive')}</small>
      </h1>
      <Loaded res={health}>
        {(h) => (
          <>
            <section class="card" aria-labelledby="ready-h">
              <h2 id="ready-h">{t('readiness')}</h2>
              <table data-testid="checks">
                <thead>
                  <tr>
                    <th scope="col">{t('check')}</th>
                    <th scope="col">{t('status')}</th>
                    <th scope="col">ms</th>
                  </tr>
                </thead>
                <tbody>
                  {h.checks.map((c) => (
                    <tr key={c.name}>
                      <td>{c.name}</td>
                      <td class={c.ok ? 'ok-text' : 'error-text'}>
                        {c.ok ? t('ok') : t('down')}
                        {c.error && `: ${c.error}`}
                      </td>
                      <td class="num">{c.ms}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section class="card" aria-labelledby="q-h">
              <h2 id="q-h">{t('queues')}</h2>
              <div class="table-wrap">
                <table data-testid="queues">
                  <thead>
                    <tr>
                      <th scope="col">{t('queue')}</th>
                      <th scope="col">{t('waiting')}</th>
                      <th scope="col">{t('active')}</th>
                      <th scope="col">{t('delayed')}</th>
                      <th scope="col">{t('failed')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {h.queues.map((q) => (
                      <tr key={q.queue}>
                        <td>{q.queue}</td>
                        <td class="num">{num(q.counts.waiting)}</td>
                        <td class="num">{num(q.counts.active)}</td>
                        <td class="num">{num(q.counts.delayed)}</td>
                        <td class="num">{num(q.counts.failed)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
            <section class="card" aria-labelledby="f-h">
              <h2 id="f-h">{t('failedJobs')}</h2>
              {h.queues.every((q) => q.failed.length === 0) ? (
                <p>{t('none')}</p>
              ) : (
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t('queue')}</th>
                        <th scope="col">{t('job')}</th>
                        <th scope="col">{t('reason')}</th>
                        <th scope="col">{t('attempts')}</th>
                        <th scope="col">{t('when')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {h.queues.flatMap((q) =>
                        q.failed.map((j) => (
                          <tr key={`${q.queue}:${j.id}`}>
                            <td>{q.queue}</td>
                            <td>
                              {j.name} <code>{j.id}</code>
                            </td>
                            <td>{j.failedReason}</td>
                            <td class="num">{j.attemptsMade}</td>
                            <td>{date(j.finishedAt)}</td>
                          </tr>
                        )),
                      )}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          </>
        )}
      </Loaded>
    </section>
  );
}
