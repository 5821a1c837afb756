import request from 'supertest';
import { createApiApp } from '../../control-plane/api/app';
import { createServices } from '../../control-plane/services';
import { loadConfig } from '../../platform/config';
import { testConfig } from '../support/env';

describe('GET /healthz and /readyz', () => {
  it('answers ready with every server named when the stack is up', async () => {
    const services = createServices(testConfig());
    try {
      const app = createApiApp(services);
      expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok' });
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
        ['database', true],
        ['redis', true],
        ['dovecot', true],
        ['clamd', true],
        ['rspamd', true],
      ]);
    } finally {
      await services.close();
    }
  });

  it('answers 503 and names the server that is down', async () => {
    // A port nothing listens on stands for a clamd that died.
    const config = loadConfig({ ...process.env, POSTWERK_CLAMD_PORT: '1', POSTWERK_LOG_LEVEL: 'silent' });
    const services = createServices(config);
    try {
      const res = await request(createApiApp(services)).get('/readyz');
      expect(res.status).toBe(503);
      const clamd = res.body.checks.find((c: { name: string }) => c.name === 'clamd');
      expect(clamd).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
      expect(res.body.checks.filter((c: { ok: boolean }) => !c.ok)).toHaveLength(1);
    } finally {
      await services.close();
    }
  });
});
