// The candidate: the new release's image run beside the service's container with the service's own
// config (env, volumes, networks, labels, limits, healthcheck), published on a spare loopback port, and
// the gate a container passes before traffic goes to it.
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Bind, formatBind } from '../app/bind.ts';
import type { Health } from '../discover/service.ts';
import { type ContainerInspect, containerLogs, inspectContainer } from '../host/docker.ts';
import {
  connectNetwork,
  type ContainerSpec,
  createContainer,
  type ImageInspect,
  removeContainer,
  startContainer,
} from '../host/docker-write.ts';
import { DeployError, healthAt } from './deploy.ts';
import { CANDIDATE_LABEL, type ComposeService, engineContainers, liveInspect } from './compose-service.ts';

export const candidateName = (s: ComposeService) => `${s.project}_${s.service}_medic-next`;

/** Networks a container's own settings do not name as a network (no alias, no DNS of their own). */
const NOT_A_NETWORK = new Set(['host', 'none', 'default', 'bridge']);

/**
 * The create request of the candidate: what compose set on the live container, for IMAGE. What the live
 * container only inherited from its image (env, command, user, healthcheck, labels) is left to the new
 * image; compose's labels are not copied (compose would count the candidate as one of its containers)
 * and neither are network aliases (the service's name keeps meaning the container compose runs).
 */
export function candidateSpec(
  live: ContainerInspect,
  liveImage: ImageInspect['Config'],
  o: { image: string; port: string; bind: Extract<Bind, { kind: 'tcp' }>; label: string },
): { spec: ContainerSpec; networks: string[] } {
  const c = live.Config as ContainerInspect['Config'] & Record<string, unknown>;
  const img = liveImage as Record<string, unknown>;
  const own = (key: string) =>
    c[key] !== undefined && c[key] !== null && !isDeepStrictEqual(c[key], img[key]) ? { [key]: c[key] } : {};
  const imageEnv = new Set(liveImage.Env ?? []);
  const imageLabels = liveImage.Labels ?? {};
  const labels = Object.fromEntries(
    Object.entries(c.Labels ?? {}).filter(
      ([k, v]) => !k.startsWith('com.docker.compose.') && imageLabels[k] !== v,
    ),
  );
  const host = live.HostConfig as Record<string, unknown>;
  const mode = String(host['NetworkMode'] ?? '');
  if (mode === 'host' || mode.startsWith('container:'))
    throw new DeployError(
      'candidate',
      `the service runs with network_mode ${mode}: a second container cannot publish its own port beside it`,
    );
  const networks = Object.keys(live.NetworkSettings.Networks ?? {}).filter((n) => n !== mode);
  const spec: ContainerSpec = {
    ...own('Cmd'),
    ...own('Entrypoint'),
    ...own('User'),
    ...own('WorkingDir'),
    ...own('Healthcheck'),
    ...own('StopSignal'),
    ...(c['Tty'] ? { Tty: true, OpenStdin: c['OpenStdin'] === true } : {}),
    Env: (c.Env ?? []).filter((e) => !imageEnv.has(e)),
    Image: o.image,
    Labels: { ...labels, [CANDIDATE_LABEL]: o.label },
    ExposedPorts: { [o.port]: {} },
    HostConfig: {
      ...host,
      PortBindings: { [o.port]: [{ HostIp: o.bind.host, HostPort: String(o.bind.port) }] },
      PublishAllPorts: false,
      // medic starts and removes it; a restart policy would bring it back after a reboot, serving nothing
      RestartPolicy: { Name: 'no' },
      AutoRemove: false,
    },
    ...(mode && !NOT_A_NETWORK.has(mode) ? { NetworkingConfig: { EndpointsConfig: { [mode]: {} } } } : {}),
  };
  return { spec, networks };
}

/**
 * Creates the candidate on all the live container's networks, not started yet (its files and env can be
 * read, and checked, before it runs); its id. Any candidate an earlier deploy left goes first.
 */
export async function createCandidate(
  s: ComposeService,
  live: ContainerInspect,
  liveImage: ImageInspect,
  image: string,
  bind: Extract<Bind, { kind: 'tcp' }>,
): Promise<string> {
  await removeCandidates(s);
  const { spec, networks } = candidateSpec(live, liveImage.Config, {
    image,
    port: s.port,
    bind,
    label: `${s.project}/${s.service}`,
  });
  return createOn(candidateName(s), spec, networks, 'candidate');
}

/** A container created from SPEC and connected to NETWORKS; its id. A failure is STEP's. */
export async function createOn(
  name: string,
  spec: ContainerSpec,
  networks: string[],
  step: string,
): Promise<string> {
  const created = await createContainer(name, spec, 30_000);
  if (!created.ok) throw new DeployError(step, `docker create failed: ${created.error.message}`);
  for (const n of networks) {
    const r = await connectNetwork(n, created.value, 30_000);
    if (!r.ok) throw new DeployError(step, `docker network connect ${n} failed: ${r.error.message}`);
  }
  return created.value;
}

export async function startCandidate(id: string): Promise<void> {
  const started = await startContainer(id, 30_000);
  if (!started.ok) throw new DeployError('candidate', `docker start failed: ${started.error.message}`);
}

/** Every candidate of the service (a killed deploy may have left one): stopped and removed. Their names. */
export async function removeCandidates(s: ComposeService): Promise<string[]> {
  const label = `${s.project}/${s.service}`;
  const found = (await engineContainers()).filter((c) => c.Labels[CANDIDATE_LABEL] === label);
  for (const c of found) await removeContainer(c.Id, 10, 60_000);
  return found.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
}

/**
 * Waits until the container answers the health request on `bind` and its own HEALTHCHECK (when it has
 * one) says healthy, up to `ms`. null, or why not: it exited, its HEALTHCHECK failed, the last answer.
 */
export async function containerGate(
  id: string,
  health: Health,
  bind: Bind,
  ms: number,
): Promise<string | null> {
  const end = Date.now() + ms;
  let last = 'no answer';
  while (Date.now() < end) {
    const r = await inspectContainer(id, 5000);
    if (!r.ok) return `docker inspect: ${r.error.message}`;
    const s = r.value.State;
    if (!s.Running && !s.Restarting)
      return `the container exited with code ${s.ExitCode}${s.OOMKilled ? ' (OOMKilled)' : ''}${s.Error ? `: ${s.Error}` : ''}`;
    const answer = await healthAt(health, bind, 3000);
    const check = s.Health?.Status;
    if (answer === null && (check === undefined || check === 'healthy')) return null;
    if (check === 'unhealthy')
      return `its HEALTHCHECK says unhealthy: ${s.Health?.Log.at(-1)?.Output.trim().split('\n')[0] ?? ''}`;
    last = answer ? `${formatBind(bind)}: ${answer}` : `its HEALTHCHECK is ${check ?? '?'}`;
    await sleep(300);
  }
  return last;
}

/**
 * The gate for the container compose runs for the service, found again each round: while compose
 * recreates it (a killed deploy's compose may still be at it), the container changes under the name.
 * The healthy container, or why none is.
 */
export async function serviceGate(
  s: ComposeService,
  health: Health,
  ms: number,
): Promise<{ live: ContainerInspect | null; problem: string | null }> {
  const end = Date.now() + ms;
  let problem = 'no container runs';
  let live: ContainerInspect | null = null;
  while (Date.now() < end) {
    live = await liveInspect(s);
    if (live?.State.Running) {
      const bad = await containerGate(live.Id, health, s.bind, Math.min(10_000, end - Date.now()));
      if (!bad) return { live, problem: null };
      problem = bad;
    } else if (live) problem = `${live.Name.replace(/^\//, '')} is ${live.State.Status}`;
    await sleep(500);
  }
  return { live, problem };
}

/** The container's last lines of output, for a gate that failed. */
export async function lastLines(id: string, n = 8): Promise<string[]> {
  const r = await containerLogs(id, n, 5000);
  return r.ok
    ? r.value
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/^\S+Z /, ''))
    : [];
}
