import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  acquireFileLock,
  checkWritableFile,
  dataPath,
  expandHome,
  makeDir,
  makeDirSync,
  writeDirAtomic,
  writeFileAtomic,
} from './index.js';
import { isRoadworkError } from '../errors/index.js';
import { runModuleBounded } from '../../../test/fixtures/processes.js';

async function scratch(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('writeFileAtomic replaces a file whole, creates its folder, and leaves no temporary sibling', async (t) => {
  const dir = await scratch(t);
  const file = join(dir, 'deep', 'out.json');
  await writeFileAtomic(file, 'first');
  await writeFileAtomic(file, new TextEncoder().encode('second'));
  assert.equal(await readFile(file, 'utf8'), 'second');
  assert.deepEqual(await readdir(join(dir, 'deep')), ['out.json']);
});

test('writeFileAtomic keeps the old file and cleans up when the write fails', async (t) => {
  const dir = await scratch(t);
  const file = join(dir, 'out.txt');
  await writeFile(file, 'old');
  // A folder where the file should go cannot be replaced by a rename: the write fails after the temp file exists.
  const blocked = join(dir, 'blocked');
  await mkdir(join(blocked, 'child'), { recursive: true });
  await assert.rejects(writeFileAtomic(blocked, 'new'));
  assert.equal(await readFile(file, 'utf8'), 'old');
  assert.deepEqual((await readdir(dir)).sort(), ['blocked', 'out.txt']);
});

test('writeDirAtomic fills a temporary sibling and renames it into place, replacing an empty folder', async (t) => {
  const dir = await scratch(t);
  const out = join(dir, 'set');
  await mkdir(out);
  const seen: string[] = [];
  const result = await writeDirAtomic(
    out,
    async (tmp) => {
      seen.push(tmp);
      await writeFile(join(tmp, 'a.txt'), 'a');
      // While filling, nothing is visible under the final name.
      assert.deepEqual(await readdir(out), []);
      return 42;
    },
    { what: 'test' },
  );
  assert.equal(result, 42);
  assert.notEqual(seen[0], out);
  assert.deepEqual(await readdir(out), ['a.txt']);
  assert.deepEqual(await readdir(dir), ['set']);
});

test('writeDirAtomic refuses a non-empty folder before any work and removes its temporary folder on failure', async (t) => {
  const dir = await scratch(t);
  const full = join(dir, 'full');
  await mkdir(full);
  await writeFile(join(full, 'keep.txt'), 'keep');
  let called = false;
  await assert.rejects(
    writeDirAtomic(
      full,
      async () => {
        called = true;
      },
      { what: 'export', flag: '--out' },
    ),
    (err: Error & { code?: string }) =>
      err.code === 'ERR_CONFIG_INVALID' &&
      /export folder is not empty/.test(err.message) &&
      /--out/.test(err.message),
  );
  assert.equal(called, false);
  assert.equal(await readFile(join(full, 'keep.txt'), 'utf8'), 'keep');
  // A file where the folder should be is named as such, and kept.
  await assert.rejects(
    writeDirAtomic(join(full, 'keep.txt'), async () => undefined, { what: 'export', flag: '--out' }),
    (err: Error & { code?: string }) =>
      err.code === 'ERR_CONFIG_INVALID' && /export folder is a file, or lies under one/.test(err.message),
  );
  assert.equal(await readFile(join(full, 'keep.txt'), 'utf8'), 'keep');

  const fresh = join(dir, 'fresh');
  await assert.rejects(
    writeDirAtomic(
      fresh,
      async (tmp) => {
        await writeFile(join(tmp, 'half.txt'), 'half');
        throw new Error('interrupted');
      },
      { what: 'test' },
    ),
    /interrupted/,
  );
  assert.deepEqual((await readdir(dir)).sort(), ['full']);
});

test('expandHome expands only a leading ~ and dataPath joins parts under the expanded folder', () => {
  assert.equal(expandHome('~'), homedir());
  assert.equal(expandHome('~/wallets'), join(homedir(), 'wallets'));
  assert.equal(expandHome('/srv/~/x'), '/srv/~/x');
  assert.equal(expandHome('~user/x'), '~user/x');
  assert.equal(dataPath('~/.roadwork', 'cache', 'a.bin'), join(homedir(), '.roadwork', 'cache', 'a.bin'));
  assert.equal(dataPath('/var/lib/roadwork'), '/var/lib/roadwork');
});

test('acquireFileLock() refuses a second writer in its own process, a live or foreign holder; takes over a dead or torn one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'writer.lock');
  const mine = await acquireFileLock(path, { what: 'test file' });
  await assert.rejects(
    acquireFileLock(join(dir, '.', 'writer.lock'), { what: 'test file' }),
    (err: Error & { code?: string }) =>
      err.code === 'ERR_LOCK_HELD' && err.message.includes('in this process'),
  );
  assert.equal(existsSync(path), true, 'the refusal leaves the first writer its lock');
  await mine.release();
  await mine.release();
  assert.equal(existsSync(path), false);
  const holder = (pid: number, host = hostname()) =>
    writeFile(path, JSON.stringify({ pid, host, at: '2026-12-03T00:00:00.000Z' }));
  // Our pid, but not held here: an earlier process with the same pid (a container's pid 1) left it.
  await holder(process.pid);
  await (await acquireFileLock(path, { what: 'test file', alive: () => true })).release();
  await holder(4242);
  await assert.rejects(
    acquireFileLock(path, { what: 'test file', alive: () => true }),
    (err: Error & { code?: string }) => err.code === 'ERR_LOCK_HELD' && err.message.includes('process 4242'),
  );
  await holder(4242, 'another-host');
  await assert.rejects(acquireFileLock(path, { what: 'test file', alive: () => false }), /on another-host/);
  await holder(4242);
  const taken = await acquireFileLock(path, { what: 'test file', alive: () => false });
  assert.equal(JSON.parse(await readFile(path, 'utf8')).pid, process.pid);
  await taken.release();
  await writeFile(path, '{"pid": 12');
  await (await acquireFileLock(path, { what: 'test file', alive: () => true })).release();
});

test('checkWritableFile() passes a new file in a new folder and leaves nothing; refuses a folder or a path through a file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'writable-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await checkWritableFile(join(dir, 'new', 'head.json'), '--out');
  assert.deepEqual(await readdir(join(dir, 'new')), [], 'the probe is removed');
  await writeFile(join(dir, 'file'), 'kept');
  for (const [path, why] of [
    [join(dir, 'file', 'head.json'), /EEXIST|ENOTDIR/],
    [dir, /it is a folder/],
  ] as const)
    await assert.rejects(
      checkWritableFile(path, '--out'),
      (e) =>
        isRoadworkError(e, 'ERR_CONFIG_INVALID') &&
        e.message.startsWith(`Invalid --out: ${path}`) &&
        why.test(e.message),
    );
  assert.equal(await readFile(join(dir, 'file'), 'utf8'), 'kept');
});

test('makeDir() and makeDirSync() make the missing parents, accept a folder that exists, refuse a path through a file', async (t) => {
  const dir = await scratch(t);
  await makeDir(join(dir, 'a', 'b', 'c'), { mode: 0o700 });
  makeDirSync(join(dir, 'x', 'y'));
  assert.equal((await stat(join(dir, 'a', 'b'))).mode & 0o777, 0o700);
  assert.ok((await stat(join(dir, 'x', 'y'))).isDirectory());
  await makeDir(join(dir, 'a', 'b', 'c'));
  makeDirSync(dir);
  await writeFile(join(dir, 'file'), '');
  for (const path of [join(dir, 'file'), join(dir, 'file', 'sub')]) {
    const refused = (e: unknown): boolean =>
      (e as NodeJS.ErrnoException).code === 'ENOTDIR' && (e as Error).message.includes(join(dir, 'file'));
    await assert.rejects(makeDir(path), refused, path);
    assert.throws(() => makeDirSync(path), refused, path);
  }
});

test(
  "makeDir() and makeDirSync() refuse a new folder under /proc at once (Node's recursive mkdir spins there for ever)",
  { skip: existsSync('/proc/self') ? false : 'no /proc on this system' },
  () => {
    const dirs = fileURLToPath(new URL('./_dirs.ts', import.meta.url));
    // In a child killed after 10 s: the old recursive mkdir never returned, and cannot be timed out here.
    const child = runModuleBounded(
      `const { makeDir, makeDirSync } = await import(${JSON.stringify(dirs)});
      const code = async (make) => { try { await make(); return 'made'; } catch (e) { return e.message; } };
      console.log(await code(() => makeDir('/proc/roadwork-x/a/b')));
      console.log(await code(() => makeDirSync('/proc/roadwork-x')));`,
      10_000,
    );
    assert.equal(child.status, 0, `killed or failed: ${child.signal ?? ''} ${child.stderr}`);
    assert.deepEqual(child.stdout.trim().split('\n'), [
      "ENOENT: no such file or directory, mkdir '/proc/roadwork-x'",
      "ENOENT: no such file or directory, mkdir '/proc/roadwork-x'",
    ]);
  },
);
