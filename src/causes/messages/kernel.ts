// The kernel's OOM-killer report and the container runtimes' words for a container it killed: from
// torvalds/linux mm/oom_kill.c and mm/memcontrol.c (their history, 2.6.3x to 6.x, via the stored file
// versions and patches), moby/moby b985e231 (docker-v29.7.2+150: api/types State.OOMKilled, events
// ActionOOM), docker/compose f7297942 (v5.5.0+71: printer.go) and containerd's CRI (oomExitReason).
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- the kernel ------------------------------------------------------------------------------
  {
    // The first line of every OOM-killer report (dump_header): the task that asked for memory, which is
    // not always the one killed; the "Killed process" line follows.
    program: 'kernel',
    source: 'mm/oom_kill.c',
    template: '%s invoked oom-killer: gfp_mask=%#x(%pGg), order=%d, oom_score_adj=%hd',
    pattern: /(?<!\S)(?<name>\S{1,64}) invoked oom-killer: gfp_mask=/,
    cause: 'oom_killed',
    // (the "Killed process" line below it names the victim: that one is the first fatal when it is there)
    weak: true,
  },
  {
    // __oom_kill_process since 5.x: "%s: Killed process %d (%s) total-vm:..." where %s is "Out of memory",
    // "Memory cgroup out of memory" (memcontrol.c) or "Out of memory (oom_kill_allocating_task)".
    program: 'kernel',
    source: 'mm/oom_kill.c',
    template:
      '%s: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB, UID:%u pgtables:%lukB oom_score_adj:%hd',
    pattern:
      /(?:Out of memory|Memory cgroup out of memory)(?: \(oom_kill_allocating_task\))?: Killed process (?<pid>\d{1,10}) \((?<name>[^)\n]{1,64})\)/,
    cause: 'oom_killed',
  },
  {
    // Up to 4.x the kill line stood alone (RHEL 7 adds ", UID %u" after the name).
    program: 'kernel',
    source: 'mm/oom_kill.c',
    template: 'Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB',
    pattern:
      /Killed process (?<pid>\d{1,10}) \((?<name>[^)\n]{1,64})\),? (?:UID \d{1,10}, )?total-vm:\d{1,20}kB/,
    cause: 'oom_killed',
  },
  {
    // Up to 4.19 the victim was announced first ("Memory cgroup out of memory: Kill process ..." for a cgroup).
    program: 'kernel',
    source: 'mm/oom_kill.c',
    template: '%s: Kill process %d (%s) score %u or sacrifice child',
    pattern:
      /(?:Out of memory|Memory cgroup out of memory): Kill process (?<pid>\d{1,10}) \((?<name>[^)\n]{1,64})\) score \d{1,10} or sacrifice child/,
    cause: 'oom_killed',
  },
  {
    // One-line summary since 4.19 (dump_oom_summary / dump_oom_victim); 4.19 printed pid with %5d.
    program: 'kernel',
    source: 'mm/oom_kill.c',
    template:
      'oom-kill:constraint=%s,nodemask=%*pbl,cpuset=%s,mems_allowed=%*pbl,oom_memcg=%s,task_memcg=%s,task=%s,pid=%d,uid=%d',
    pattern:
      /oom-kill:constraint=CONSTRAINT_\w{1,20},[^\n]{0,1000}?(?:,task_memcg=(?<cgroup>[^,\n]{0,300}))?,task=(?<name>[^,\n]{1,64}),pid= {0,5}(?<pid>\d{1,10})/,
    cause: 'oom_killed',
    // (a summary: the "Killed process" line after it is the one to show)
    weak: true,
  },
  {
    program: 'kernel',
    source: 'mm/oom_kill.c',
    template: 'oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB',
    pattern: /oom_reaper: reaped process (?<pid>\d{1,10}) \((?<name>[^)\n]{1,64})\)/,
    cause: 'oom_killed',
  },
  {
    // Up to 4.18, mem_cgroup_print_oom_info: the cgroup (a systemd unit, a container) that hit its limit.
    program: 'kernel',
    source: 'mm/memcontrol.c',
    template: 'Task in %s killed as a result of limit of %s',
    pattern: /Task in (?<path>\/\S{0,300}) killed as a result of limit of (?<value>\/\S{0,300})/,
    cause: 'oom_killed',
  },

  // --- Docker / containerd ------------------------------------------------------------------------
  {
    // docker inspect: State.OOMKilled.
    program: 'docker',
    source: 'api/types/container/container.go',
    template: '"OOMKilled": true',
    pattern: /"OOMKilled": ?true/,
    cause: 'oom_killed',
  },
  {
    // docker events: "container oom <id> (image=..., name=...)".
    program: 'docker',
    source: 'api/types/events/events.go',
    template: 'container oom %s',
    pattern: /\bcontainer oom [0-9a-f]{12,64}\b/,
    cause: 'oom_killed',
  },
  {
    // containerd's CRI (kubectl describe: "Reason: OOMKilled", the JSON "reason": "OOMKilled").
    program: 'containerd',
    source: 'internal/cri/server/helpers.go',
    template: 'oomExitReason = "OOMKilled"',
    pattern: /\b[Rr]eason"?:\s{0,20}"?OOMKilled\b/,
    cause: 'oom_killed',
  },
  {
    // docker compose: "web-1 exited with code 137" (128 + SIGKILL). The OOM killer is the usual sender; a
    // docker kill or a stop past its timeout gives the same code (OOMKilled in docker inspect tells).
    program: 'docker compose',
    source: 'pkg/compose/printer.go',
    template: 'exited with code %d',
    pattern: /(?<![\w.-])(?<name>[\w.-]{1,100}) exited with code (?<sigkill>137)\b/,
    cause: 'oom_killed',
    weak: true,
  },
  {
    // docker ps: "Exited (137) 3 minutes ago", "Restarting (137) 5 seconds ago". Same caveat as above.
    program: 'docker',
    source: 'daemon/container/state.go',
    template: 'Exited (%d) %s ago',
    pattern: /\b(?:Exited|Restarting) \((?<sigkill>137)\) /,
    cause: 'oom_killed',
    weak: true,
  },
];
