import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../../platform/errors';
import { guardedFetch } from '../../platform/outbound';

/**
 * The webhook SSRF guard connects to the address it checked (DNS rebinding): a name is resolved once,
 * at connect, checked, and the socket goes to that address with the name kept as Host. The resolver is
 * replaced for the test's made-up name (it answers differently on each call, as a rebinding server
 * would); the receiver is a real HTTP server on 127.0.0.1.
 */
// the module object itself: platform/outbound.ts reads `lookup` from it at each call
const dnsPromises = require('node:dns/promises') as typeof import('node:dns/promises');

let server: http.Server;
let port: number;
const seen: { host: string | undefined; path: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ host: req.headers.host, path: req.url });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  jest.restoreAllMocks();
  seen.length = 0;
});

/** A resolver that gives `answers[i]` to the i-th question about `name` (and the last one after that). */
function rebinding(name: string, answers: string[]) {
  const real = dnsPromises.lookup.bind(dnsPromises);
  let i = 0;
  return jest.spyOn(dnsPromises, 'lookup').mockImplementation((async (host: string, options: unknown) => {
    if (host !== name) return real(host, options as never);
    const address = answers[Math.min(i++, answers.length - 1)]!;
    return [{ address, family: 4 }];
  }) as never);
}
const questionsAbout = (spy: jest.SpyInstance, name: string) => spy.mock.calls.filter((c) => c[0] === name).length;

describe('webhook destination guard', () => {
  it('resolves the name once and connects to that address, keeping the name as Host', async () => {
    const name = 'hook.rebind.test';
    // the second answer has nothing listening: a request that resolved again would fail
    const spy = rebinding(name, ['127.0.0.1', '127.0.0.2']);
    const res = await guardedFetch(`http://${name}:${port}/hook`, { method: 'POST', body: '{}' }, { allowPrivate: true, setting: 'X' });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ host: `${name}:${port}`, path: '/hook' }]);
    expect(questionsAbout(spy, name)).toBe(1);
  });

  it('refuses a name whose one answer is private, and sends nothing, even when a later answer would differ', async () => {
    const name = 'evil.rebind.test';
    const spy = rebinding(name, ['10.9.9.9', '127.0.0.1']);
    const err = await guardedFetch(
      `http://${name}:${port}/hook`,
      { method: 'POST', body: '{}' },
      {
        allowPrivate: false,
        setting: 'POSTWERK_WEBHOOK_ALLOW_PRIVATE',
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('forbidden');
    expect((err as AppError).message).toMatch(
      /evil\.rebind\.test resolves to 10\.9\.9\.9, a non-public address \(set POSTWERK_WEBHOOK_ALLOW_PRIVATE=true/,
    );
    expect(seen).toEqual([]);
    expect(questionsAbout(spy, name)).toBe(1);
  });

  it('refuses a private IP literal without asking DNS', async () => {
    await expect(
      guardedFetch(`http://127.0.0.1:${port}/hook`, { method: 'POST' }, { allowPrivate: false, setting: 'POSTWERK_WEBHOOK_ALLOW_PRIVATE' }),
    ).rejects.toThrow(/127\.0\.0\.1, a non-public address/);
    expect(seen).toEqual([]);
  });
});
