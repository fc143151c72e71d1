#!/bin/bash
# app: dockerapp
# breaks: the worker container is stopped: the notes' tasks pile up in Redis, in the cache container
. /opt/medic/testbed/lib.sh

compose stop worker
wait_until 30 "worker to be down" container_is dockerapp_worker_1 '{{.State.Status}}' exited
for i in 1 2 3; do
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data "{\"body\": \"note $i\"}" http://dockerapp.medic.test/notes
done
# shellcheck disable=SC2016 # expanded by the inner shell
wait_until 30 "tasks to queue up" sh -c '[ "$(docker exec dockerapp_cache_1 redis-cli -n 1 llen celery)" -ge 3 ]'
