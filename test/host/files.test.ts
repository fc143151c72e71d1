// The file effects of a deploy, on a scratch directory: links swapped whole, writes whole, the lock exclusive.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  copyTree,
  createExclusive,
  isDirectory,
  listDir,
  readText,
  swapSymlink,
  writeAtomic,
} from '../../src/host/files.ts';
import { processAlive, processCwd } from '../../src/host/pids.ts';

const work = mkdtempSync(join(tmpdir(), 'medic-files-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('swapSymlink repoints a link that exists, and makes one that does not', async () => {
  const link = join(work, 'current');
  await swapSymlink(link, 'releases/1');
  assert.equal(readlinkSync(link), 'releases/1');
  await swapSymlink(link, 'releases/2');
  assert.equal(readlinkSync(link), 'releases/2');
  assert.deepEqual(
    (await listDir(work)).filter((n) => n.endsWith('.medic-tmp')),
    [],
  );
});

test('writeAtomic replaces the whole file; a missing file reads as null', async () => {
  const file = join(work, 'upstream.conf');
  assert.equal(await readText(file), null);
  await writeAtomic(file, 'server 127.0.0.1:8001;\n');
  await writeAtomic(file, 'server unix:/run/app.sock;\n');
  assert.equal(readFileSync(file, 'utf8'), 'server unix:/run/app.sock;\n');
});

test('createExclusive: the first taker wins, the second is told so', () => {
  const lock = join(work, '.medic-deploy.lock');
  assert.equal(createExclusive(lock, '{"pid":1}\n'), true);
  assert.equal(createExclusive(lock, '{"pid":2}\n'), false);
  assert.equal(readFileSync(lock, 'utf8'), '{"pid":1}\n');
  assert.throws(() => createExclusive(join(work, 'no-such-dir', 'lock'), ''), { code: 'ENOENT' });
});

test('copyTree leaves out what skip names, at any depth', async () => {
  const src = join(work, 'src');
  mkdirSync(join(src, 'app', '__pycache__'), { recursive: true });
  writeFileSync(join(src, 'app', 'main.py'), 'app = 1\n');
  writeFileSync(join(src, 'app', '__pycache__', 'main.pyc'), '');
  await copyTree(src, join(work, 'copy'), (path) => path.split('/').includes('__pycache__'));
  assert.deepEqual(await listDir(join(work, 'copy', 'app')), ['main.py']);
  assert.equal(await isDirectory(join(work, 'copy')), true);
  assert.equal(await isDirectory(join(work, 'copy', 'app', 'main.py')), false);
  assert.equal(await isDirectory(join(work, 'nothing')), null);
});

test('processAlive and processCwd of this process, and of a pid that is gone', () => {
  assert.equal(processAlive(process.pid), true);
  assert.equal(processCwd(process.pid), process.cwd());
  assert.equal(processAlive(2 ** 22 + 1), false);
  assert.equal(processCwd(2 ** 22 + 1), null);
});
