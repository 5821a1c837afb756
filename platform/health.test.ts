import net from 'node:net';
import { probeTcp, runChecks } from './health';

describe('runChecks', () => {
  it('names the check that failed and keeps the others', async () => {
    const res = await runChecks([
      { name: 'good', run: async () => {} },
      { name: 'bad', run: async () => Promise.reject(new Error('refused')) },
    ]);
    expect(res.ok).toBe(false);
    expect(res.checks).toEqual([
      expect.objectContaining({ name: 'good', ok: true }),
      expect.objectContaining({ name: 'bad', ok: false, error: 'refused' }),
    ]);
  });
});

describe('probeTcp', () => {
  it('resolves on the expected greeting and rejects on a closed port', async () => {
    const server = net.createServer((s) => s.end('* OK ready\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await expect(probeTcp('127.0.0.1', port, /^\* OK/)).resolves.toBeUndefined();
    server.close();
    await new Promise((r) => server.once('close', r));
    await expect(probeTcp('127.0.0.1', port, /^\* OK/)).rejects.toThrow(/ECONNREFUSED/);
  });
});
