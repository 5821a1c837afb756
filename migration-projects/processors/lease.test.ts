import { silentLogger } from '../../platform/logger';
import { keepLease } from './lease';

describe('keepLease', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('renews on a timer for as long as the pass runs, and stops', async () => {
    const renew = jest.fn(async () => true);
    const stop = keepLease(renew, silentLogger, 1000);
    await jest.advanceTimersByTimeAsync(3500); // a long listing phase: no progress written
    expect(renew).toHaveBeenCalledTimes(3);
    stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(renew).toHaveBeenCalledTimes(3);
  });
});
