// The one shape of `--format json`, for every command: an object naming the schema and the command, and the
// results as a list under a plural key, whatever their count (a script never tests "object or array?").
//
//   { "schema": 1, "command": "diagnose", "services": [ … ] }      diagnose, check, deploy, rollback, init
//   { "schema": 1, "command": "incidents", "incidents": [ … ] }    incidents, incidents show (one item)
//   { "schema": 1, "command": "releases", "releases": [ … ] }
//   { "schema": 1, "command": "check", "checks": [ … ] }           check --list
//   { "schema": 1, "command": "diagnose", "causes": [ … ] }        diagnose --explain
//   { "schema": 1, "command": "self install", "installs": [ … ] }
//   { "schema": 1, "command": "check", "hosts": [ … ] }            --hosts: each host's own envelope, or its error
//
// `schema` changes only when a field is removed or changes meaning; new fields may appear at any time.

export const JSON_SCHEMA = 1;

export type JsonList = 'services' | 'incidents' | 'releases' | 'checks' | 'causes' | 'installs' | 'hosts';

export function jsonOf(
  command: string,
  list: JsonList,
  items: readonly unknown[],
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({ schema: JSON_SCHEMA, command, ...extra, [list]: items }, null, 2);
}
