/**
 * For tests and benchmarks: a real PostgreSQL cluster of its own (initdb in a temporary folder, loopback
 * only, a free port, its socket in that folder), stopped and removed by its owner. As root it runs as
 * the `postgres` user, since the server refuses to run as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../../test/fixtures/ports.js';

/** A running cluster. */
export interface TestPostgres {
  readonly port: number;
  /** The `postgres` database, as the superuser `roadwork`. */
  readonly url: string;
  /** Creates an empty database and returns its URL (one per test keeps tests apart). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin), or undefined. */
export function postgresBinDir(root = '/usr/lib/postgresql'): string | undefined {
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresMissing(): string | undefined {
  return postgresBinDir() === undefined
    ? 'no PostgreSQL under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)'
    : undefined;
}

// Runs a PostgreSQL program as the current user, or as `postgres` when this process is root.
function asServerUser(bin: string, args: readonly string[]): void {
  const root = process.getuid?.() === 0;
  const [cmd, argv] = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0)
    throw new Error(`${bin} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
}

/** initdb, then pg_ctl start on 127.0.0.1 at a free port; resolves once it accepts connections. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(postgresMissing());
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      asServerUser(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // fsync off: the tests kill clients, never this server, and a test cluster need not survive a power cut.
    asServerUser(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'roadwork',
      '-A',
      'trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    asServerUser(join(bin, 'pg_ctl'), [
      'start',
      '-D',
      data,
      '-w',
      '-t',
      '30',
      '-l',
      join(dir, 'server.log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off`,
    ]);
    started = true;
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `postgres://roadwork@127.0.0.1:${port}/postgres`;
  return Object.freeze({
    port,
    url,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://roadwork@127.0.0.1:${port}/${name}`;
    },
    stop,
  });
}
