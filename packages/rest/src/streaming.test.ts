import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { accessLog } from './guards.js';
import { listen, type ListeningServer } from './listener.js';
import { bodyChunks, streamAnswer } from './streaming.js';

const servers: ListeningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Per request, whether its answer went to Node's response itself (the `Response` has no body then). */
const direct: boolean[] = [];

/**
 * An app that answers each chunk of the request's body with a line saying its size, as it arrives, then
 * `end` (or, once a body starts with `stop`, `stopped` without reading further); `failures` gets what `next`
 * threw.
 */
function echoApp(lines: string[], failures: unknown[]): Hono {
  const app = new Hono();
  app.use(accessLog((line) => lines.push(line)));
  app.post('/echo', (c) => {
    const body = bodyChunks(c);
    const answer = streamAnswer(c, 200, 'text/plain');
    direct.push(answer.response.body === null);
    void (async () => {
      try {
        for (let chunk = await body.next(); chunk !== undefined; chunk = await body.next()) {
          if (Buffer.from(chunk).toString().startsWith('stop')) {
            body.cancel();
            await answer.write(Buffer.from('stopped\n'));
            return;
          }
          await answer.write(Buffer.from(`${chunk.length}\n`));
        }
        await answer.write(Buffer.from('end\n'));
      } catch (error) {
        failures.push(error);
      } finally {
        answer.end();
      }
    })();
    return answer.response;
  });
  return app;
}

async function serve(app: Hono): Promise<string> {
  const server = await listen(app.fetch, { protocol: 'http', host: '127.0.0.1', port: 0 });
  servers.push(server);
  return server.listener.url;
}

/**
 * A chunked POST whose answer is read as it comes: `lines` grows with each line of it, `ended` resolves at
 * its end.
 */
function post(
  url: string,
  path = '/echo',
): {
  sent: ClientRequest;
  lines: string[];
  answered: Promise<IncomingMessage>;
  ended: Promise<void>;
} {
  const sent = request(`${url}${path}`, {
    method: 'POST',
    agent: false,
    headers: { 'transfer-encoding': 'chunked' },
  });
  const lines: string[] = [];
  let end: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    sent.on('response', (response: IncomingMessage) => {
      response.on('end', () => end());
      let rest = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        const parts = (rest + text).split('\n');
        rest = parts.pop()!;
        lines.push(...parts);
      });
      resolve(response);
    });
    sent.on('error', reject);
  });
  return { sent, lines, answered, ended };
}

async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('bodyChunks and streamAnswer, served by Node', () => {
  it('read the body and write the answer a chunk at a time, both ways at once, and count the bytes sent', async () => {
    const log: string[] = [];
    const url = await serve(echoApp(log, []));
    const { sent, lines, answered, ended } = post(url);
    sent.write('a'.repeat(10));
    const response = await answered;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain');
    // Answered before the request ended: the answer streams while the body still comes.
    await until(() => lines.length === 1);
    sent.write('b'.repeat(25));
    await until(() => lines.length === 2);
    sent.end();
    await ended;
    expect(lines).toEqual(['10', '25', 'end']);
    expect(direct.pop()).toBe(true);
    await until(() => log.length === 1);
    // The access log's byte count is what was streamed ("10\n25\nend\n").
    expect(log[0]).toMatch(/"POST \/echo HTTP\/1.1" 200 10 /);
  });

  it('answer in full after the reading stopped midway, the rest of the body unread', async () => {
    const url = await serve(echoApp([], []));
    const { sent, lines, answered, ended } = post(url);
    sent.write('12345');
    sent.write('stop');
    expect((await answered).statusCode).toBe(200);
    // The answer ends while the request has yet to; the server then drains the rest.
    await ended;
    expect(lines).toEqual(['5', 'stopped']);
    sent.end('more that nobody reads');
  });

  it('fail the next read once the client leaves before the body ends', async () => {
    const failures: unknown[] = [];
    const url = await serve(echoApp([], failures));
    const { sent, lines, answered } = post(url);
    sent.write('abc');
    await answered;
    await until(() => lines.length === 1);
    sent.destroy();
    await until(() => failures.length === 1);
    expect(String(failures[0])).toMatch(/aborted|closed/);
  });
});

describe('bodyChunks and streamAnswer, served by Node, at the edges', () => {
  it('fail the first read of a request whose client left before the handler began reading', async () => {
    const failures: unknown[] = [];
    const app = new Hono();
    app.post('/late', async (c) => {
      // The handler is busy elsewhere (a broker lookup) while the client leaves.
      const incoming = (c.env as { incoming: IncomingMessage }).incoming;
      if (!incoming.destroyed) await new Promise((resolve) => incoming.once('close', resolve));
      await bodyChunks(c)
        .next()
        .catch((error: unknown) => failures.push(error));
      return c.text('late');
    });
    const url = await serve(app);
    const sent = request(`${url}/late`, {
      method: 'POST',
      agent: false,
      headers: { 'transfer-encoding': 'chunked' },
    });
    sent.on('error', () => undefined);
    sent.write('abc');
    await new Promise((resolve) => setTimeout(resolve, 50));
    sent.destroy();
    await until(() => failures.length === 1);
    expect(String(failures[0])).toMatch(/aborted/);
  });

  it('send the status and headers at once, before the first bytes of the answer', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const app = new Hono();
    app.post('/held', (c) => {
      const answer = streamAnswer(c, 200, 'application/json');
      void released.then(async () => {
        await answer.write(Buffer.from('{}'));
        answer.end();
      });
      return answer.response;
    });
    const url = await serve(app);
    const { sent, answered, ended } = post(url, '/held');
    sent.end('x');
    let status: number | undefined;
    void answered.then((response) => (status = response.statusCode));
    // The answer's first bytes wait for the test; its head must not.
    try {
      await until(() => status !== undefined);
    } finally {
      release();
    }
    expect(status).toBe(200);
    await ended;
  });
});

describe('bodyChunks and streamAnswer, without Node (app.request)', () => {
  it('read the Request body and stream the Response body', async () => {
    const pieces = ['abc', 'defgh'];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = pieces.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(Buffer.from(next));
      },
    });
    const response = await echoApp([], []).request('/echo', {
      method: 'POST',
      body,
      duplex: 'half',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('3\n5\nend\n');
    expect(direct.pop()).toBe(false);
  });
});
