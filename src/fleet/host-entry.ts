// One server of `hosts:` in medic.yaml: the name medic prints, the target `ssh` is given, and the labels
// `--hosts LABEL` selects it by. medic reaches it with the system's ssh, so ~/.ssh/config applies to it.
import { z } from 'zod';

const NAME = /^\w[\w.-]*$/;

/** Not an option (a leading "-" would reach ssh as one), no space or control character. */
export const SSH_TARGET = /^[^-\s][^\s\p{Cc}]*$/u;

export const HostEntrySchema = z.object({
  name: z.string().regex(NAME, 'a host name: letters, digits, ".", "_" and "-"'),
  ssh: z
    .string()
    .regex(SSH_TARGET, 'an ssh target such as root@10.0.0.5, a Host of ~/.ssh/config or ssh://…'),
  labels: z.array(z.string().regex(NAME, 'a label: letters, digits, ".", "_" and "-"')).optional(),
  /** The command that runs medic there (default: medic on its PATH, else /usr/local/bin/medic). */
  medic: z.string().min(1).optional(),
  /**
   * The ssh user is not root: medic and fleet install run there through `sudo -n` (the user's sudo without a
   * password, as deploy users have it).
   */
  sudo: z.boolean().optional(),
  /** The medic.yaml that medic fleet install puts there (a path on this machine, relative to this file). */
  config: z.string().min(1).optional(),
});

export const HostsSchema = z
  .array(HostEntrySchema)
  .refine((hosts) => new Set(hosts.map((h) => h.name)).size === hosts.length, {
    message: 'two hosts with one name',
  });

export type HostEntry = z.infer<typeof HostEntrySchema>;
