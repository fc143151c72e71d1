// medic deploy --init: an existing deployment (code, venv and env file in the unit's WorkingDirectory) to
// the release layout, without downtime. Nothing is deleted: the old files stay where they were, the
// unit gets a drop-in (remove it to undo), the Nginx site is backed up before it is rewritten.
import { basename, dirname, join, relative } from 'node:path';
import { UsageError } from '../errors.ts';
import { formatBind } from '../app/bind.ts';
import { type Service, unitView } from '../discover/service.ts';
import {
  copyFileTo,
  makeDir,
  makeSymlink,
  pathExists,
  readText,
  realPath,
  swapSymlink,
  writeAtomic,
} from '../host/files.ts';
import { localHost } from '../host/host.ts';
import { Masker } from '../report/mask.ts';
import { createRelease, movePath, requirementsHash } from './deploy.ts';
import { type Layout, writeMeta } from './layout.ts';
import { releaseMigrations } from './migrations.ts';
import { convertSite, testAndReload, UPSTREAM_DIR, upstreamFile, upstreamText } from './nginx-switch.ts';

export interface InitResult {
  release: string;
  changes: string[];
}

/** The names under ROOT that outlive releases: env files and the directories the app writes to. */
export function sharedNames(service: Service, root: string): string[] {
  const inside = (p: string) => (p.startsWith(`${root}/`) ? relative(root, p).split('/')[0] : null);
  return [
    ...new Set(
      [...service.envFiles.map((f) => f.path), ...(service.project?.writable ?? [])]
        .map(inside)
        .filter((n): n is string => !!n),
    ),
  ];
}

export async function initLayout(
  service: Service,
  layout: Layout,
  say: (step: string, text: string) => void = () => {},
): Promise<InitResult> {
  const root = layout.root;
  if (pathExists(layout.current))
    throw new UsageError(`${root} already has the release layout (${layout.current} exists)`);
  const bind = service.binds[0];
  if (!bind) throw new UsageError(`${service.unit}: no bind found in ExecStart; medic cannot switch traffic`);
  if (!service.site)
    throw new UsageError(
      `${service.unit}: no Nginx site proxies to ${bind.kind === 'unix' ? bind.path : bind.port}`,
    );
  const shared = sharedNames(service, root);
  // The site's conversion first: a site medic cannot convert leaves everything as it was.
  // The file itself, not the sites-enabled link to it: the one a person edits stays the one in use.
  const site = await realPath(service.site.file);
  const before = await readText(site);
  if (before === null) throw new UsageError(`${site}: cannot read the Nginx site`);
  // Again after an --init interrupted once Nginx took the site: the site is medic's already.
  const mine = before.includes(`include ${upstreamFile(service.name)};`);
  const converted = mine ? null : convertSite(before, { app: service.name, bind, root, shared });
  if (converted?.changes.length === 0)
    throw new UsageError(`${site}: found no proxy_pass to ${bind.kind === 'unix' ? bind.path : bind.port}`);
  const changes: string[] = [];
  // 1. the first release: a copy of the code as it runs now
  const { id } = await createRelease(layout, root, null, shared);
  changes.push(
    `created ${join(layout.releases, id)} (a copy of ${root} without ${['.venv', ...shared].join(', ')})`,
  );
  // 2. shared/: links to the env files and writable directories where they are now
  await makeDir(layout.shared);
  for (const name of shared) {
    const from = join(root, name);
    const to = join(layout.shared, name);
    if (pathExists(to)) continue;
    if (pathExists(from)) {
      // A link to what is there: nothing moves, and the file a person edits stays the one in use.
      await makeSymlink(from, to);
      changes.push(`${to} → ${from}`);
    } else {
      await makeDir(to);
      changes.push(`created ${to}`);
    }
  }
  // 3. the existing virtualenv serves every release with the same requirements
  const req = await requirementsHash(join(layout.releases, id));
  if (service.venv && req) {
    const venv = join(layout.shared, 'venvs', req.hash);
    await makeDir(dirname(venv));
    if (!pathExists(venv)) await makeSymlink(service.venv, venv);
    await writeAtomic(`${venv}.complete`, `${new Date().toISOString()} ${service.venv}\n`);
    const link = join(layout.releases, id, '.venv');
    if (!pathExists(link)) await makeSymlink(venv, link);
    changes.push(`${venv} → ${service.venv} (the virtualenv of ${req.file} ${req.hash})`);
  }
  const tool = service.project?.migrations;
  const rel = tool
    ? await releaseMigrations(join(layout.releases, id, relative(root, service.project?.root ?? root)), tool)
    : null;
  await writeMeta(layout, {
    id,
    createdAt: new Date().toISOString(),
    source: `${root} (medic deploy --init)`,
    revision: null,
    requirementsHash: req?.hash ?? null,
    migrationHead: rel?.head ?? null,
    irreversible: rel?.irreversible.map((i) => i.id) ?? [],
  });
  // 4. Nginx: the site proxies to upstream medic_APP, whose server is the live bind
  if (converted) {
    await makeDir(join(UPSTREAM_DIR, 'backup'));
    const backup = join(UPSTREAM_DIR, 'backup', `${basename(site)}.${id}`);
    await copyFileTo(site, backup);
    await writeAtomic(upstreamFile(service.name), upstreamText(service.name, bind));
    await writeAtomic(site, converted.text);
    const failed = await testAndReload(`the converted site (${site} is restored)`, () =>
      writeAtomic(site, before),
    );
    if (failed) throw new UsageError(failed);
    changes.push(
      `rewrote ${site} (backup: ${backup}):`,
      ...converted.changes.map((c) => `    ${c.before ? `${c.before}  →  ` : '+ '}${c.after}`),
    );
  } else {
    // (killed before its reload, Nginx may still run the site as it was: test and reload it now)
    if (!pathExists(upstreamFile(service.name))) {
      await writeAtomic(upstreamFile(service.name), upstreamText(service.name, bind));
      changes.push(`wrote ${upstreamFile(service.name)}: ${formatBind(bind)}`);
    }
    const failed = await testAndReload(site, async () => {});
    if (failed) throw new UsageError(failed);
    changes.push(`${site} already sends ${service.name} through ${upstreamFile(service.name)}: kept`);
  }
  // 5. once Nginx took the site: the unit and its workers that run the same code get drop-ins that run
  // ROOT/current with shared/'s env files
  const dropIn = await writeDropIn(service, layout);
  changes.push(`wrote ${dropIn} (WorkingDirectory, EnvironmentFile, ExecStart through ${layout.current})`);
  for (const w of service.workers) {
    const view = await unitView(localHost(), w.id, null, { timeoutMs: 5000, masker: new Masker() });
    if (!view.workdir || !(view.workdir === root || view.workdir.startsWith(`${root}/`))) continue;
    const file = await writeDropIn({ ...view, unit: w.id }, layout);
    changes.push(`wrote ${file}: the worker runs the live release too, and restarts with each deploy`);
  }
  // 6. current → the first release. The live unit moves onto it through the deploy's own gated switch.
  await swapSymlink(layout.current, join('releases', id));
  changes.push(`${layout.current} → releases/${id}`);
  for (const c of changes) say('init', c);
  return { release: id, changes };
}

/** The drop-in that makes a unit run ROOT/current, with the env files under ROOT read from shared/. */
async function writeDropIn(
  u: Pick<Service, 'unit' | 'exec' | 'workdir' | 'envFiles'>,
  layout: Layout,
): Promise<string> {
  const root = layout.root;
  const inRoot = movePath(layout, layout.current);
  const exec = u.exec;
  if (!exec) throw new UsageError(`${u.unit}: cannot read ExecStart`);
  const argv = [exec.path, ...exec.argv.slice(1)].map(inRoot);
  const file = dropInOf(u.unit);
  await makeDir(dirname(file));
  await writeAtomic(
    file,
    [
      `# medic deploy --init: ${u.unit} runs the live release, ${layout.current}. Remove this file to undo.`,
      '[Service]',
      `WorkingDirectory=${u.workdir ? inRoot(u.workdir) : layout.current}`,
      'EnvironmentFile=',
      ...u.envFiles.map(
        (f) =>
          `EnvironmentFile=${f.optional ? '-' : ''}${f.path.startsWith(`${root}/`) ? join(layout.shared, relative(root, f.path)) : f.path}`,
      ),
      'ExecStart=',
      `ExecStart=${argv.map(quoteArg).join(' ')}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Where medic's drop-in for a unit lives: its presence says the unit follows the releases. */
export function dropInOf(unit: string): string {
  return `/etc/systemd/system/${unit}.d/medic-release.conf`;
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, '\\$1')}"`;
}
