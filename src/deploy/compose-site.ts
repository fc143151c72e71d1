// A compose service's first deploy: the Nginx site that proxies to its published port goes through
// `upstream medic_APP`, whose server is that same port, so no request is dropped by the change itself.
// The site is backed up before it is rewritten; a site medic took over already is left as it is.
import { basename, join } from 'node:path';
import { formatBind } from '../app/bind.ts';
import { copyFileTo, makeDir, pathExists, readText, realPath, writeAtomic } from '../host/files.ts';
import { DeployError } from './deploy.ts';
import type { ComposeService } from './compose-service.ts';
import {
  convertSite,
  testAndReload,
  UPSTREAM_DIR,
  upstreamFile,
  upstreamName,
  upstreamText,
} from './nginx-switch.ts';

/** Makes the site proxy through medic's upstream; what it changed, or null when it already did. */
export async function takeSite(s: ComposeService, release: string): Promise<string | null> {
  if (!s.site) throw new DeployError('switch', `no Nginx site proxies to ${formatBind(s.bind)}`);
  const site = await realPath(s.site.file);
  const before = await readText(site);
  if (before === null) throw new DeployError('switch', `${site}: cannot read the Nginx site`);
  if (before.includes(`include ${upstreamFile(s.app)};`)) {
    // (killed between the two writes below: the include file is written again)
    if (pathExists(upstreamFile(s.app))) return null;
    await writeAtomic(upstreamFile(s.app), upstreamText(s.app, s.bind));
    const failed = await testAndReload(site, async () => {});
    if (failed) throw new DeployError('switch', failed);
    return `wrote ${upstreamFile(s.app)}: ${formatBind(s.bind)}`;
  }
  // No path of the site is the app's code (it lives in the image): the layout's root matches none.
  const converted = convertSite(before, { app: s.app, bind: s.bind, root: s.layout.root, shared: [] });
  if (converted.changes.length === 0)
    throw new DeployError('switch', `${site}: found no proxy_pass to ${formatBind(s.bind)}`);
  await makeDir(join(UPSTREAM_DIR, 'backup'));
  const backup = join(UPSTREAM_DIR, 'backup', `${basename(site)}.${release}`);
  await copyFileTo(site, backup);
  await writeAtomic(upstreamFile(s.app), upstreamText(s.app, s.bind));
  await writeAtomic(site, converted.text);
  const failed = await testAndReload(`the converted site (${site} is restored)`, () =>
    writeAtomic(site, before),
  );
  if (failed) throw new DeployError('switch', failed);
  return `rewrote ${site} (backup: ${backup}): proxy_pass through upstream ${upstreamName(s.app)}, its server ${formatBind(s.bind)} in ${upstreamFile(s.app)}`;
}
