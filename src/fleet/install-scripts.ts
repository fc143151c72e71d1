// The shell scripts medic fleet install runs on a host (POSIX sh, coreutils): one asks what is there, one
// receives the executable on stdin and checks its sha256 before `self install` puts it in place, one writes
// medic.yaml and the watch unit when they differ and starts the unit. Each line they print is one fact.
import { shellQuote } from './ssh-argv.ts';

/** Where medic fleet install puts things, under ROOT (/ unless --root). */
export const INSTALL_PATHS = {
  bin: '/usr/local/bin',
  config: '/etc/medic/medic.yaml',
  unit: '/etc/systemd/system/medic-watch.service',
  sudoers: '/etc/sudoers.d/medic',
} as const;

export const under = (root: string, path: string) =>
  root === '/' ? path : `${root.replace(/\/+$/, '')}${path}`;

/** The script as one argument of `sh -c`, whatever the login shell there; as root through `sudo -n` when asked. */
export const asShell = (script: string, sudo = false) =>
  `${sudo ? 'sudo -n ' : ''}sh -c ${shellQuote(script)}`;

const SUM = `sum() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo -; fi; }`;

/** "arch=x86_64", "medic=SHA256" and "version=0.1.0" ("-" when medic is not there). */
export function probeScript(root: string): string {
  return `${SUM}
bin=${shellQuote(`${under(root, INSTALL_PATHS.bin)}/medic`)}
echo "arch=$(uname -m)"
echo "medic=$(sum "$bin")"
echo "version=$("$bin" --version 2>/dev/null || echo -)"`;
}

/** stdin → a file beside the target, checked against `sha256`, then `self install` by that very file. */
export function binaryScript(root: string, sha256: string): string {
  const dir = under(root, INSTALL_PATHS.bin);
  return `set -eu
dir=${shellQuote(dir)}
mkdir -p "$dir"
tmp="$dir/.medic.new.$$"
trap 'rm -f "$tmp" "$tmp.sha256"' EXIT
cat > "$tmp"
got=$(sha256sum "$tmp" | cut -d' ' -f1)
if [ "$got" != ${sha256} ]; then
  echo "medic: the copy received has sha256 $got, not ${sha256}: refused, nothing was installed" >&2
  exit 3
fi
chmod 755 "$tmp"
echo "${sha256}  $tmp" > "$tmp.sha256"
"$tmp" --format json self install --prefix "$dir"`;
}

/**
 * medic.yaml from stdin (when `config` is set), then the unit and the sudoers line that `medic watch
 * --print-unit` and `--print-sudoers` make from it: each written only when it differs. On / with systemd
 * running: the medic user, then the unit enabled and started, or restarted when anything changed.
 */
export function filesScript(o: { root: string; config: boolean; binaryChanged: boolean }): string {
  const p = (path: string) => shellQuote(under(o.root, path));
  return `set -eu
${SUM}
medic=${p(`${INSTALL_PATHS.bin}/medic`)}
conf=${p(INSTALL_PATHS.config)}
unit=${p(INSTALL_PATHS.unit)}
sudoers=${p(INSTALL_PATHS.sudoers)}
changed=${o.binaryChanged ? 1 : 0}
new() { tmp="$1.new.$$"; trap 'rm -f "$tmp"' EXIT; }
# FILE MODE: the new content (in $tmp) replaces FILE when it differs
put() {
  if [ "$(sum "$tmp")" = "$(sum "$1")" ]; then rm -f "$tmp"; echo "same $1"
  else chmod "$2" "$tmp"; mv -f "$tmp" "$1"; echo "wrote $1"; changed=1; fi
}
${o.config ? `mkdir -p "$(dirname "$conf")"\nnew "$conf"; cat > "$tmp"; put "$conf" 644` : ''}
if [ ! -f "$conf" ]; then echo "noconfig $conf"; exit 0; fi
mkdir -p "$(dirname "$unit")"
new "$unit"; "$medic" watch -c "$conf" --print-unit > "$tmp"; put "$unit" 644
if [ -d "$(dirname "$sudoers")" ]; then
  new "$sudoers"; "$medic" watch -c "$conf" --print-sudoers > "$tmp"
  if command -v visudo >/dev/null; then visudo -qcf "$tmp" >/dev/null; fi
  put "$sudoers" 440
fi
${
  o.root === '/'
    ? `if [ ! -d /run/systemd/system ]; then echo "nosystemd"; exit 0; fi
id medic >/dev/null 2>&1 || { useradd --system --no-create-home --shell /usr/sbin/nologin medic; echo "user medic"; }
[ "$changed" = 0 ] || systemctl daemon-reload
systemctl is-enabled --quiet medic-watch || { systemctl enable --quiet medic-watch; echo "enabled medic-watch"; }
if ! systemctl is-active --quiet medic-watch; then systemctl start medic-watch; echo "started medic-watch"
elif [ "$changed" = 1 ]; then systemctl restart medic-watch; echo "restarted medic-watch"; fi`
    : 'echo "notstarted"'
}`;
}
