import { InflowGate } from './inflow';

/** The backlog is a number the test sets (the Redis boundary is faked here; test/filters/inflow.test.ts uses the real one). */
function gate(backlog: { n: number; fail?: boolean; reads?: number }, threshold: number) {
  return new InflowGate(
    async () => {
      backlog.reads = (backlog.reads ?? 0) + 1;
      if (backlog.fail) throw new Error('redis down');
      return backlog.n;
    },
    { backlog: threshold, pauseMs: 10, maxDelayMs: 60, refreshMs: 5 },
  );
}

describe('InflowGate', () => {
  it('does not pause while the backlog is at or under the threshold', async () => {
    expect(await gate({ n: 5 }, 5).pace()).toBe(0);
  });

  it('pauses while the backlog is over the threshold, and no longer than maxDelayMs', async () => {
    const paused = await gate({ n: 50 }, 5).pace();
    expect(paused).toBeGreaterThanOrEqual(55);
    expect(paused).toBeLessThan(1000);
  });

  it('lets the message through as soon as the backlog drains', async () => {
    const backlog = { n: 50 };
    const g = gate(backlog, 5);
    setTimeout(() => (backlog.n = 0), 15);
    const paused = await g.pace();
    expect(paused).toBeGreaterThan(0);
    expect(paused).toBeLessThan(55);
  });

  it('never pauses when pacing is off (0) or the backlog cannot be read', async () => {
    expect(await gate({ n: 1000 }, 0).pace()).toBe(0);
    expect(await gate({ n: 1000, fail: true }, 5).pace()).toBe(0);
  });

  it('shares one read between sessions asking at once', async () => {
    const backlog = { n: 0, reads: 0 };
    const g = gate(backlog, 5);
    await Promise.all([g.pace(), g.pace(), g.pace()]);
    expect(backlog.reads).toBe(1);
  });
});
