#!/bin/bash
# app: djangoapp
# breaks: django.medic.test resolves to 192.0.2.10, not to this server
. /opt/medic/testbed/lib.sh

sed -i "s/ django.medic.test//" /etc/hosts
echo "192.0.2.10 django.medic.test" >>/etc/hosts
wait_until 10 "the name to resolve elsewhere" sh -c "getent hosts django.medic.test | grep -q 192.0.2.10"
