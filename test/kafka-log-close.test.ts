import { describe, expect, it } from 'vitest';
import { runTypeScript } from '@sluice/test-kit';

describe('KafkaLog.close', () => {
  it('releases every connection, so a process that used the log exits by itself', async () => {
    const child = runTypeScript('test/fixtures/kafka-log-close.ts');
    const { code } = await child.exited;
    expect(code, child.stderr()).toBe(0);
    expect(child.lines).toContain('closed');
  });
});
