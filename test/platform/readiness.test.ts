import request from 'supertest';
import { createApiApp } from '../../control-plane/api/app';
import { createServices } from '../../control-plane/services';
import { cliActor } from '../../platform/actor';
import { loadConfig } from '../../platform/config';
import { withActor } from '../../platform/context';
import { createApiToken } from '../../tenancy/use-cases/create-api-token';
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
      const app = createApiApp(services);
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      const clamd = res.body.checks.find((c: { name: string }) => c.name === 'clamd');
      expect(clamd).toEqual({ name: 'clamd', ok: false });
      expect(res.body.checks.filter((c: { ok: boolean }) => !c.ok)).toHaveLength(1);
      // anonymous callers learn which server is down, not where it runs: no error text, host or port
      expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:1\b|localhost/);
      // the details are the operator's: the health route names the error
      const { secret } = await createApiToken(withActor(services, cliActor()), {
        name: `ready-${Date.now()}`,
        role: 'operator',
        tenantId: null,
      });
      const health = await request(app).get('/api/v1/system/health').set('Authorization', `Bearer ${secret}`);
      expect(health.body.checks.find((c: { name: string }) => c.name === 'clamd')).toMatchObject({
        ok: false,
        error: expect.stringMatching(/ECONNREFUSED/),
      });
    } finally {
      await services.close();
    }
  });

  it('answers repeated probes from one run of the checks', async () => {
    const services = createServices(testConfig());
    try {
      const app = createApiApp(services);
      const ping = jest.spyOn(services.redis, 'ping');
      const answers = await Promise.all([request(app).get('/readyz'), request(app).get('/readyz')]);
      answers.push(await request(app).get('/readyz'));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(ping).toHaveBeenCalledTimes(1);
    } finally {
      await services.close();
    }
  });

  it('is under the rate limit', async () => {
    const c = testConfig();
    const services = createServices({ ...c, api: { ...c.api, rateLimitPerMinute: 2 } });
    try {
      const app = createApiApp(services);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await request(app).get('/readyz')).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await services.close();
    }
  });
});
