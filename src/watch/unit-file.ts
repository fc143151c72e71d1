// medic watch as a service of its own: a Type=notify unit with a watchdog, a dedicated user that can read
// the journal, and the one right it needs beyond that: restarting the units it watches (sudoers or polkit).
import { unitsOf, type WatchedService } from './service.ts';

export const SERVICE_USER = 'medic';

export function watchUnitFile(o: {
  /** The command that runs medic: Node and bin/medic.js from a checkout, or the single executable alone. */
  medic: readonly string[];
  config: string;
  services: WatchedService[];
  /** The watched units' Group=: their env files (root:GROUP 0640) hold the database and Redis URLs. */
  appGroups: string[];
  metrics?: string;
  /** The dashboard's address, and the token file it asks for beyond loopback. */
  http?: string;
  tokenFile?: string;
}): string {
  const names = o.services.map((s) => s.name).join(', ');
  return `# medic-watch.service: written by medic watch --print-unit. Install it with:
#   useradd --system --no-create-home --shell /usr/sbin/nologin ${SERVICE_USER}
#   medic watch -c ${o.config} --print-unit > /etc/systemd/system/medic-watch.service
#   medic watch -c ${o.config} --print-sudoers > /etc/sudoers.d/medic && chmod 440 /etc/sudoers.d/medic && visudo -cf /etc/sudoers.d/medic
#     (with polkit instead: medic watch -c ${o.config} --print-polkit > /etc/polkit-1/rules.d/50-medic.rules)
#   systemctl daemon-reload && systemctl enable --now medic-watch
#   journalctl -u medic-watch -f
[Unit]
Description=medic watch: crash detection, safe restarts and alerts for ${names}
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
# medic reports READY and WATCHDOG through systemd-notify, a child process
NotifyAccess=all
# fails fast on a bad medic.yaml, and fills Node's compile cache before the daemon starts
ExecStartPre=${o.medic.join(' ')} watch --config ${o.config} --check
ExecStart=${o.medic.join(' ')} watch --config ${o.config}${o.metrics ? ` --metrics ${o.metrics}` : ''}${o.http ? ` --http ${o.http}` : ''}${o.tokenFile ? ` --token-file ${o.tokenFile}` : ''}
# a 1 MB young generation: the daemon allocates little, and each MB here is resident memory
Environment=NODE_OPTIONS=--max-semi-space-size=1
WatchdogSec=30
Restart=always
RestartSec=2
User=${SERVICE_USER}
Group=${SERVICE_USER}
# the journal of the watched units; Nginx's logs (group adm) for the diagnosis${
    o.appGroups.length
      ? `;
# the apps' groups (${o.appGroups.join(', ')}) to read DATABASE_URL and REDIS_URL from their env files (masked in every output)`
      : ''
  }
${
  o.services.some((s) => s.container)
    ? "# docker: the engine's socket, to follow its events and restart the containers it watches\n"
    : ''
}SupplementaryGroups=systemd-journal adm${o.appGroups.map((g) => ` ${g}`).join('')}${o.services.some((s) => s.container) ? ' docker' : ''}
# the store: /var/lib/medic/medic.db
StateDirectory=medic
StateDirectoryMode=0750
# Node's cache of medic's compiled code: about 30 MB less memory than parsing the TypeScript at each start
CacheDirectory=medic-watch
Environment=NODE_COMPILE_CACHE=/var/cache/medic-watch
# secrets for notify: (\${SLACK_WEBHOOK_URL}, ...) stay out of medic.yaml
EnvironmentFile=-/etc/medic/env
ProtectSystem=full
ProtectHome=read-only
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
`;
}

export function sudoersFile(services: WatchedService[], systemctl: string): string {
  const commands = unitsOf(services.filter((s) => !s.container)).flatMap((u) => [
    `${systemctl} reset-failed ${u}`,
    `${systemctl} restart ${u}`,
  ]);
  return `# /etc/sudoers.d/medic: medic watch may reset and restart the units it watches, nothing else.
${SERVICE_USER} ALL=(root) NOPASSWD: ${commands.join(', ')}
`;
}

export function polkitRule(services: WatchedService[]): string {
  const units = unitsOf(services.filter((s) => !s.container));
  return `// /etc/polkit-1/rules.d/50-medic.rules: medic watch may reset and restart the units it watches, nothing else.
polkit.addRule(function (action, subject) {
  var units = ${JSON.stringify(units)};
  var verbs = ["restart", "reset-failed"];
  if (action.id === "org.freedesktop.systemd1.manage-units" && subject.user === "${SERVICE_USER}" &&
      units.indexOf(action.lookup("unit")) >= 0 && verbs.indexOf(action.lookup("verb")) >= 0) {
    return polkit.Result.YES;
  }
});
`;
}
