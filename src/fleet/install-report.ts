// What medic fleet install did on a host, read from the lines its scripts print ("wrote FILE", "same FILE",
// "started medic-watch", …): the changes, what was already right, and what a person should know.
export interface InstallProbe {
  arch: string;
  /** sha256 of the medic installed there, or null. */
  sha256: string | null;
  version: string | null;
}

export function parseProbe(stdout: string): InstallProbe {
  const value = (key: string) => {
    const v = new RegExp(`^${key}=(.*)$`, 'm').exec(stdout)?.[1]?.trim();
    return v && v !== '-' ? v : null;
  };
  return { arch: value('arch') ?? 'unknown', sha256: value('medic'), version: value('version') };
}

export interface InstallOutcome {
  changes: string[];
  unchanged: string[];
  notes: string[];
}

/** The files script's lines as a person reads them. */
export function parseFilesOutput(stdout: string, root: string): InstallOutcome {
  const out: InstallOutcome = { changes: [], unchanged: [], notes: [] };
  for (const line of stdout.split('\n').map((l) => l.trim())) {
    const [word = '', ...rest] = line.split(' ');
    const arg = rest.join(' ');
    if (word === 'wrote') out.changes.push(`${arg} written`);
    else if (word === 'same') out.unchanged.push(arg);
    else if (word === 'user') out.changes.push(`user ${arg} created`);
    else if (word === 'enabled' || word === 'started' || word === 'restarted')
      out.changes.push(`${arg} ${word}`);
    else if (word === 'noconfig')
      out.notes.push(
        `no ${arg} there, so no watch unit: give --medic-yaml FILE (or config: in hosts:), or run medic init there`,
      );
    else if (word === 'nosystemd')
      out.notes.push('systemd is not running there: the unit is written, not started');
    else if (word === 'notstarted') out.notes.push(`installed under ${root}: nothing was started`);
  }
  return out;
}
