// medic fleet install on one host: ask what is there; send the executable only when its sha256 differs,
// checked there before it replaces anything; then medic.yaml, the watch unit and its start, each only
// when it differs. A second run sends nothing and changes nothing.
import { EXIT } from '../cli/exit.ts';
import type { HostError } from './host-error.ts';
import { hostErrorOf } from './host-error.ts';
import { errorResult, type HostResult } from './host-result.ts';
import type { FleetHost } from './inventory.ts';
import { parseFilesOutput, parseProbe } from './install-report.ts';
import { asShell, binaryScript, filesScript, INSTALL_PATHS, probeScript, under } from './install-scripts.ts';
import { onHost } from './ssh-session.ts';
import type { SshSession } from '../host/ssh.ts';

export interface InstallInput {
  /** The single executable here, and its sha256 (checked against its .sha256 file already). */
  binary: string;
  sha256: string;
  /** / on a server; a scratch directory for a trial. */
  root: string;
  /** medic.yaml's text for this host, or null to leave the one there. */
  config: string | null;
  /** A line of progress (the copy takes a while). */
  say?: (line: string) => void;
}

/** The 100 MB executable over a slow link takes its time; the rest is quick. */
const COPY_TIMEOUT_MS = 20 * 60_000;
const STEP_TIMEOUT_MS = 120_000;

/** A script that ended other than with 0: ssh's failure, or the script's own line. */
function scriptError(s: SshSession, host: FleetHost): HostError | null {
  if (s.code === 0 && !s.timedOut) return null;
  return (
    hostErrorOf(s, host.ssh, host.name) ?? {
      kind: 'medic_error',
      message: s.stderr.trim().split('\n').at(-1) ?? `exit ${s.code}`,
    }
  );
}

export async function installOnHost(host: FleetHost, o: InstallInput): Promise<HostResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const probe = await onHost(host.ssh, asShell(probeScript(o.root), host.sudo), {
    timeoutMs: STEP_TIMEOUT_MS,
  });
  const probeError = scriptError(probe, host);
  if (probeError) return errorResult(host, probeError, ms());
  const there = parseProbe(probe.stdout);
  if (there.arch !== 'x86_64')
    return errorResult(
      host,
      {
        kind: 'medic_error',
        message: `the host is ${there.arch}: this medic executable is for x86_64 (linux-x64)`,
      },
      ms(),
    );

  const bin = `${under(o.root, INSTALL_PATHS.bin)}/medic`;
  let version = there.version;
  const sendBinary = there.sha256 !== o.sha256;
  if (sendBinary) {
    o.say?.(
      `${host.name}: sending medic (${there.sha256 ? 'a different build is there' : 'none there yet'})`,
    );
    const copy = await onHost(host.ssh, asShell(binaryScript(o.root, o.sha256), host.sudo), {
      timeoutMs: COPY_TIMEOUT_MS,
      stdinFile: o.binary,
    });
    const copyError = scriptError(copy, host);
    if (copyError)
      return errorResult(
        host,
        copy.code === 3
          ? { kind: 'checksum', message: copyError.message.replace(/^medic: /, '') }
          : copyError,
        ms(),
      );
    version = installedVersion(copy.stdout) ?? version;
  }

  const files = await onHost(
    host.ssh,
    asShell(filesScript({ root: o.root, config: o.config !== null, binaryChanged: sendBinary }), host.sudo),
    { timeoutMs: STEP_TIMEOUT_MS, ...(o.config !== null ? { stdinText: o.config } : {}) },
  );
  const filesError = scriptError(files, host);
  if (filesError) return errorResult(host, filesError, ms());
  const done = parseFilesOutput(files.stdout, o.root);
  const medic = `medic ${version ?? ''}`.trim();
  if (sendBinary)
    done.changes.unshift(`${medic} installed: ${bin} (sha256 ${o.sha256.slice(0, 12)}…, checked there)`);
  else done.unchanged.unshift(`${medic} (${bin})`);
  const changed = done.changes.length > 0;
  const text = [
    ...done.changes,
    ...(done.unchanged.length > 0 ? [`already in place: ${done.unchanged.join(', ')}`] : []),
    ...done.notes,
  ].join('\n');
  return {
    host,
    status: 'ok',
    exitCode: EXIT.ok,
    ms: ms(),
    label: changed ? 'changed' : 'nothing to do',
    text,
    json: { changed, path: bin, sha256: o.sha256, version, ...done },
  };
}

/** The version `self install --format json` reports. */
function installedVersion(stdout: string): string | null {
  try {
    const doc = JSON.parse(stdout) as { installs?: { version?: string }[] };
    return doc.installs?.[0]?.version ?? null;
  } catch {
    return null;
  }
}
