# fixture checks: the provisioner ran
check "label written by the provisioner" test -s /etc/pharos-label
