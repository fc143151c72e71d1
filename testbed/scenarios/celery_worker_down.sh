#!/bin/bash
# app: djangoapp
# breaks: the Celery worker is stopped: tasks pile up in Redis
. /opt/medic/testbed/lib.sh

systemctl stop djangoapp-celery
for i in 1 2 3; do curl -s -o /dev/null -X POST --data "{\"body\": \"note $i\"}" http://django.medic.test/notes/; done
wait_until 30 "tasks to queue up" sh -c "[ \"\$(redis-cli -n 1 llen celery)\" -ge 3 ]"
