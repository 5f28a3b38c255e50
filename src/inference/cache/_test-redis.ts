/** For tests and benchmarks: a real redis-server on a free loopback port, stopped by its owner. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../../test/fixtures/ports.js';

/** A running redis-server child process. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** SIGSTOP: the socket stays open but nothing answers (a "slow" Redis). */
  pause(): void;
  resume(): void;
  /** Kills the server and waits for it to exit. */
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** Starts redis-server (on `port`, or a free one) and resolves once it answers PING (within 5 s). */
export async function startTestRedis(port?: number, binary = '/usr/bin/redis-server'): Promise<TestRedis> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    await exited;
  };
  const until = Date.now() + 5000;
  while (!(await ping(p))) {
    if (Date.now() > until || child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server did not answer PING on port ${p} within 5 s.`);
    }
    await sleep(20);
  }
  return Object.freeze({
    port: p,
    url: `redis://127.0.0.1:${p}`,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    stop,
  });
}
