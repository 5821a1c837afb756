import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../../control-plane/api/app';
import { createServices } from '../../control-plane/services';
import { hashSecret, newSecret, TOKEN_PREFIX } from '../../tenancy/shared/tokens';
import type { Role } from '../../platform/actor';
import type { Db } from '../../platform/db';
import { testConfig } from '../support/env';

/**
 * Test harness of the quotas integration tests: the real API app on 127.0.0.1 over the shared test
 * database and the stack's Dovecot and Redis, API tokens for each role, and a tiny JSON client.
 */
export type TestServices = ReturnType<typeof createServices>;

export async function startApi(): Promise<{ services: TestServices; url: string; close: () => Promise<void> }> {
  const config = { ...testConfig(), api: { ...testConfig().api, rateLimitPerMinute: 0 } };
  const services = createServices(config);
  const server = http.createServer(createApiApp(services));
  // many concurrent clients in the concurrency test and the benchmark
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  return {
    services,
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await services.close();
    },
  };
}

/** An API token row (the control plane's own token command may replace this later); returns the secret. */
export async function createToken(db: Db, role: Role, tenantId: string | null): Promise<string> {
  const secret = newSecret(TOKEN_PREFIX);
  await db('api_tokens').insert({
    id: randomUUID(),
    name: `quota-test-${role}`,
    token_hash: hashSecret(secret),
    prefix: secret.slice(0, 12),
    role,
    tenant_id: tenantId,
    created_at: new Date().toISOString(),
  });
  return secret;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function api<T = any>(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A message of about `bytes` bytes (headers included). */
export function messageOf(bytes: number, subject = 'quota test'): Buffer {
  const head = `From: sender@example.test\r\nTo: someone@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.test>\r\n\r\n`;
  const lines: string[] = [];
  let left = Math.max(bytes - head.length, 0);
  while (left > 0) {
    const n = Math.min(76, Math.max(left - 2, 0));
    lines.push('x'.repeat(n));
    left -= n + 2;
  }
  return Buffer.from(head + lines.join('\r\n'));
}

export const KiB = 1024;

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(fn: () => Promise<T>, ms = 10_000, every = 100): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
