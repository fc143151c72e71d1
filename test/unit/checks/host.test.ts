// The host layer's checks on real figures: df of a testbed disk at the thresholds' edges, /proc/meminfo and
// /proc/PID/stat of the testbed's Gunicorn, and the journals of the testbed's OOM-killed FastAPI unit.
import {
  check as diskFree,
  DISK_FULL_PERCENT,
  DISK_TIGHT_PERCENT,
} from '../../../src/checks/host_disk_free.ts';
import type { DiskUsage } from '../../../src/host/disk.ts';
import { parseMeminfo } from '../../../src/host/disk.ts';
import { parseStat } from '../../../src/host/processes.ts';
import { check as memoryHeadroom } from '../../../src/checks/host_memory_headroom.ts';
import { check as recentOom } from '../../../src/checks/host_recent_oom.ts';
import { check as writablePaths } from '../../../src/checks/fs_writable_paths.ts';
import { parseShow } from '../../../src/systemd/show.ts';
import { type Host, hostAt } from '../../../src/host/host.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execStart, failed, fixture, ok, ruleTester } from './tester.ts';

// `df -B1 /` and `df -i /` of a 25 GB root disk (ext4, 1.6 M inodes), with its used share set to the case's
const SIZE = 25_821_052_928;
const disk = (path: string, usedPercent: number, inodesUsedPercent = 7): DiskUsage => ({
  path,
  sizeBytes: SIZE,
  freeBytes: Math.round((SIZE * (100 - usedPercent)) / 100),
  usedPercent,
  inodesFree: 1_523_412,
  inodesUsedPercent,
});
const root = (used: number, inodes = 7) => ({ path: '/', usage: ok(disk('/', used, inodes)) });

ruleTester(diskFree, {
  valid: [
    { when: 'every file system is under 90 % used', facts: { disks: [root(41)] }, says: /at most 41% used/ },
    { when: 'the disk is at 89 %, one below the warning', facts: { disks: [root(DISK_TIGHT_PERCENT - 1)] } },
    {
      when: 'a path medic cannot stat (no PostgreSQL here) is left out',
      facts: {
        disks: [
          root(41),
          { path: '/var/lib/postgresql', usage: failed('not_found', 'ENOENT: /var/lib/postgresql') },
        ],
      },
    },
  ],
  invalid: [
    {
      when: 'the disk is at 90 %',
      facts: { disks: [root(DISK_TIGHT_PERCENT)] },
      status: 'warn',
      says: /\/ 90% used/,
    },
    {
      when: 'the disk is at 94 %',
      facts: { disks: [root(DISK_FULL_PERCENT - 1)] },
      status: 'warn',
      says: /94% used/,
    },
    {
      when: 'the disk is at 95 %',
      facts: { disks: [root(DISK_FULL_PERCENT)] },
      status: 'fail',
      says: /\/ 95% full/,
      fix: /journalctl --vacuum-size/,
    },
    {
      when: 'space is free but 96 % of the inodes are used (a session or cache directory of small files)',
      facts: { disks: [root(40, 96)] },
      status: 'fail',
      says: /96% full/,
    },
    {
      when: '/var/log is a file system of its own and it is full',
      facts: {
        disks: [
          root(41),
          { path: '/var/log', usage: ok({ ...disk('/var/log', 97), sizeBytes: 2_040_373_248 }) },
        ],
      },
      status: 'fail',
      says: /^\/var\/log 97% full$/,
    },
  ],
});

// /proc/meminfo of the testbed host (24 GB), with MemAvailable set for each case
const meminfo = (availableKb: number) =>
  fixture('proc/meminfo.txt').replace(/^MemAvailable:\s+\d+ kB$/m, `MemAvailable:   ${availableKb} kB`);
const TOTAL_KB = 24_684_084;
const serverFree = (percent: number) => {
  const m = parseMeminfo(meminfo(Math.round((TOTAL_KB * percent) / 100) + 100));
  if (!m) throw new Error('meminfo');
  return ok(m);
};
// /proc/PID/stat of the testbed's Gunicorn master and a worker; RSS in pages of 4 KiB
const gunicorn = (rssMb: number) => {
  const pages = Math.round((rssMb * 1024 * 1024) / 4096 / 2);
  return [
    `85 (gunicorn) S 1 85 85 0 -1 4194560 5120 0 0 0 41 12 0 0 20 0 1 0 1873 61000000 ${pages} 18446744073709551615`,
    `98 (gunicorn) S 85 85 85 0 -1 4194624 9031 0 0 0 88 20 0 0 20 0 1 0 1901 72000000 ${pages} 18446744073709551615`,
  ].flatMap((l) => parseStat(l) ?? []);
};
const unit = (memoryMax: string) => ({
  unit: 'flaskapp.service',
  show: parseShow(`MainPID=85\nMemoryMax=${memoryMax}\n`),
});
const MAX = String(256 * 1024 * 1024);

ruleTester(memoryHeadroom, {
  valid: [
    {
      when: 'the workers use 40 % of MemoryMax= and the server has memory to spare',
      facts: { service: unit(MAX), mainPid: 85, processes: gunicorn(102), memory: serverFree(60) },
      says: /2 processes, 102 MB resident/,
    },
    {
      when: 'the unit uses 74 % of MemoryMax=, just under the warning',
      facts: { service: unit(MAX), mainPid: 85, processes: gunicorn(189), memory: serverFree(60) },
    },
    {
      when: 'the unit has no MemoryMax= (infinity) and the server has 10 % available',
      facts: { service: unit('infinity'), mainPid: 85, processes: gunicorn(102), memory: serverFree(10) },
    },
  ],
  invalid: [
    {
      when: 'the unit uses 75 % of its MemoryMax=',
      facts: { service: unit(MAX), mainPid: 85, processes: gunicorn(192), memory: serverFree(60) },
      status: 'warn',
      says: /uses 75% of its MemoryMax=256 MB/,
    },
    {
      when: 'the unit uses 89 % of its MemoryMax=',
      facts: { service: unit(MAX), mainPid: 85, processes: gunicorn(228), memory: serverFree(60) },
      status: 'warn',
      says: /89%/,
    },
    {
      when: 'the unit uses 90 % of its MemoryMax=: the next allocation is an OOM kill',
      facts: { service: unit(MAX), mainPid: 85, processes: gunicorn(231), memory: serverFree(60) },
      status: 'fail',
      says: /uses 231 MB of its MemoryMax=256 MB \(90%\)/,
      fix: /raise MemoryMax=, or lower the worker count/,
    },
    {
      when: 'the server has 9 % of its memory available',
      facts: { service: unit('infinity'), mainPid: 85, processes: gunicorn(102), memory: serverFree(9) },
      status: 'warn',
      says: /only 9% of the server's memory/,
    },
    {
      when: 'the server has 4 % of its memory available',
      facts: { service: unit('infinity'), mainPid: 85, processes: gunicorn(102), memory: serverFree(4) },
      status: 'fail',
      says: /only 4%/,
    },
  ],
});

// The testbed's FastAPI unit killed by its cgroup's OOM killer: the unit's journal and the kernel's, split
// as `journalctl -u fastapi.service` and `journalctl -k` print them.
const oomJournal = fixture('journal/fastapi-oom.jsonl').trim().split('\n');
const kernelLines = oomJournal.filter((l) => l.includes('"_TRANSPORT":"kernel"')).join('\n');
const unitLines = oomJournal.filter((l) => !l.includes('"_TRANSPORT":"kernel"')).join('\n');
const fastapi = (result = 'success') => ({
  unit: 'fastapi.service',
  name: 'fastapi',
  show: parseShow(`Result=${result}\n`),
  exec: execStart('/srv/fastapi/.venv/bin/uvicorn app.main:app'),
});
// The testbed's Flask unit killed with `systemctl kill -s KILL`: a SIGKILL with no OOM line from the kernel.
const sigkill = fixture('journal/flaskapp-sigkill.jsonl');

ruleTester(recentOom, {
  valid: [
    {
      when: 'the unit died by SIGKILL but the kernel killed nothing (systemctl kill)',
      facts: {
        service: { ...fastapi(), unit: 'flaskapp.service', exec: null },
        unitJournal: sigkill,
        kernelJournal: '',
      },
    },
    {
      when: "the kernel's OOM kill is of another unit's process",
      facts: {
        service: { ...fastapi(), unit: 'other.service' },
        unitJournal: '',
        kernelJournal: kernelLines,
      },
    },
  ],
  invalid: [
    {
      when: "the unit's SIGKILL exit pairs with the kernel's OOM kill of its process",
      facts: { service: fastapi(), unitJournal: unitLines, kernelJournal: kernelLines },
      status: 'fail',
      says: /the kernel OOM-killed fastapi.service 1 time since boot/,
      fix: /MemoryMax= with headroom/,
    },
    {
      when: 'systemd reports Result=oom-kill (the journal may have rotated)',
      facts: { service: fastapi('oom-kill'), unitJournal: null, kernelJournal: null },
      status: 'fail',
      says: /Result=oom-kill/,
    },
  ],
});

const stat = (mode: number, uid = 33) => ({ kind: 'directory' as const, mode, uid, gid: uid });
const www = { user: 'www-data', group: 'www-data' };

ruleTester(writablePaths, {
  valid: [
    {
      when: "the service user can write the app's media and log directories",
      facts: {
        service: www,
        canActAsUser: true,
        dirs: [
          { path: '/srv/djangoapp/media', stat: stat(0o755), userCanWrite: true },
          { path: '/var/log/djangoapp', stat: stat(0o750), userCanWrite: true },
        ],
      },
      says: /www-data can write \/srv\/djangoapp\/media, \/var\/log\/djangoapp/,
    },
  ],
  invalid: [
    {
      when: 'the upload directory belongs to root after a deploy run as root',
      facts: {
        service: www,
        canActAsUser: true,
        dirs: [{ path: '/srv/djangoapp/media', stat: stat(0o755, 0), userCanWrite: false }],
      },
      status: 'fail',
      says: /www-data cannot write \/srv\/djangoapp\/media \(owner uid 0, mode 755\)/,
      fix: /chown -R www-data:www-data \/srv\/djangoapp\/media/,
    },
    {
      when: "Gunicorn's --error-logfile directory does not exist",
      facts: {
        service: www,
        canActAsUser: true,
        dirs: [{ path: '/var/log/gunicorn', stat: null, userCanWrite: null }],
      },
      status: 'fail',
      says: /\/var\/log\/gunicorn does not exist/,
      fix: /install -d -o www-data -g www-data \/var\/log\/gunicorn/,
    },
  ],
  skipped: [
    {
      when: 'the app names no directory it writes to',
      facts: { service: www, canActAsUser: true, dirs: [] },
    },
    {
      when: 'medic does not run as root and cannot test as the service user',
      facts: {
        service: www,
        canActAsUser: false,
        dirs: [{ path: '/srv/djangoapp/media', stat: null, userCanWrite: null }],
      },
    },
  ],
});

test("host.recent_oom reads the app's own journal only when the kernel's names the app", async () => {
  for (const [service, reads] of [
    [fastapi(), ['journalctl -k', 'journalctl -u fastapi.service']],
    [
      { ...fastapi(), unit: 'flaskapp.service', exec: execStart('/srv/flaskapp/.venv/bin/gunicorn app:app') },
      ['journalctl -k'],
    ],
  ] as const) {
    const asked: string[] = [];
    const host: Host = {
      ...hostAt('/'),
      run: (cmd, args) => {
        asked.push(args[0] === '-k' ? `${cmd} -k` : `${cmd} -u ${args[1]}`);
        const stdout = args[0] === '-k' ? kernelLines : unitLines;
        return Promise.resolve({
          ok: true,
          value: { code: 0, signal: null, stdout, stderr: '', timedOut: false, truncated: false },
          ms: 1,
        });
      },
    };
    const facts = await recentOom.gather({ host, service, timeoutMs: 1000 } as never);
    assert.deepEqual(asked, reads);
    const verdict = recentOom.judge(facts);
    assert.equal(verdict.status, service.unit === 'fastapi.service' ? 'fail' : 'pass');
  }
});
