import { describe, expect, it } from 'vitest';
import { runTypeScript } from '@sluice/test-kit';

describe('State store followers', () => {
  it.each(['embedded', 'kafka'])(
    'leave no timer or connection behind once closed, so the process exits by itself (%s)',
    async (backend) => {
      const child = runTypeScript('test/fixtures/store-follower-close.ts', [backend]);
      const timeout = setTimeout(() => child.process.kill('SIGKILL'), 30_000);
      const { code, signal } = await child.exited;
      clearTimeout(timeout);
      expect({ code, signal }, child.stderr()).toEqual({ code: 0, signal: null });
      expect(child.lines).toContain('closed');
    },
  );
});
