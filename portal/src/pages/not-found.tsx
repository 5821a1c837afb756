import { Link } from 'wouter-preact';
import { useEffect } from 'preact/hooks';
import { useI18n } from '../i18n';

export function NotFound() {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${t('notFound')} · Postwerk`;
  }, [t]);
  return (
    <section class="not-found" data-page="not-found">
      <h1>{t('notFound')}</h1>
      <p>{t('notFoundText')}</p>
      <Link href="/">{t('backHome')}</Link>
    </section>
  );
}
