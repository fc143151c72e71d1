#!/bin/bash
# app: dockerapp
# breaks: the worker container is stopped: the notes' tasks pile up in Redis, in the cache container
. /opt/medic/testbed/lib.sh

compose stop worker
wait_until 30 "worker to be down" container_is dockerapp_worker_1 '{{.State.Status}}' exited
# A note posted to web (its published port: the scenario is about the worker, not Nginx) queues its task;
# posted again until three wait.
queued_three() {
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data '{"body": "a note"}' http://127.0.0.1:8030/notes
  [ "$(docker exec dockerapp_cache_1 redis-cli -n 1 llen celery)" -ge 3 ]
}
wait_until 30 "tasks to queue up" queued_three
