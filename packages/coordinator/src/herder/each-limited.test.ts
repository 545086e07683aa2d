import { describe, expect, it } from 'vitest';
import { eachLimited } from './each-limited.js';

describe('eachLimited', () => {
  it('works on every item, never more than the limit at once, starting them in order', async () => {
    let active = 0;
    let peak = 0;
    const startedOrder: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      startedOrder.push(item);
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 5 + (item % 3)));
      active--;
    });
    expect(startedOrder).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('finishes the other items when one fails, then throws the first failure', async () => {
    const done: number[] = [];
    await expect(
      eachLimited([1, 2, 3, 4], 2, async (item) => {
        await Promise.resolve();
        if (item === 2) throw new Error('two');
        if (item === 3) throw new Error('three');
        done.push(item);
      }),
    ).rejects.toThrow('two');
    expect(done.sort()).toEqual([1, 4]);
  });

  it('does nothing for no items', async () => {
    await expect(eachLimited([], 4, () => Promise.reject(new Error('never')))).resolves.toBeUndefined();
  });
});
