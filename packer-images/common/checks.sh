# In-image tests shared by every image: sourced (with the image's own checks.sh) into `sudo bash -s` over SSH in
# a fresh boot of the built image (throw-away overlay, seed creating the user pharos-check). Each check prints
# "ok: ..." or "FAIL: ..."; `finish` exits non-zero when any failed.
FAILED=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi; }
installed() { for p in "$@"; do case "$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null)" in [ih]i*) ok "package $p installed" ;; *) fail "package $p not installed" ;; esac; done; }
enabled() { for s in "$@"; do [ "$(systemctl is-enabled "$s" 2>/dev/null)" = enabled ] && ok "service $s enabled" || fail "service $s is not enabled ($(systemctl is-enabled "$s" 2>&1))"; done; }
held() { for p in "$@"; do apt-mark showhold | grep -qx "$p" && ok "package $p held" || fail "package $p not held"; done; }
finish() { if [ "$FAILED" -gt 0 ]; then echo "FAIL: $FAILED check(s) failed"; exit 1; fi; echo "ok: all checks passed"; }
BOOT=$(awk '/^btime/ {print $2}' /proc/stat)
fresh() { [ -e "$1" ] && [ "$(stat -c %Y "$1")" -ge "$((BOOT - 5))" ]; }

# --- hygiene: nothing of the build survived into the image
check "build user 'debian' removed" sh -c '! getent passwd debian'
check "no build sudo rule" test ! -e /etc/sudoers.d/90-pharos-build
check "machine-id was blank (regenerated at this boot)" fresh /etc/machine-id
for k in /etc/ssh/ssh_host_*_key; do check "SSH host key $(basename "$k") generated at this boot" fresh "$k"; done
check "cloud-init was cleaned (no instance older than this boot)" sh -c "[ -z \"\$(find /var/lib/cloud/instances -mindepth 1 -maxdepth 1 ! -newermt @$BOOT)\" ] && [ -d /var/lib/cloud/instances/pharos-check-$IMAGE ]"
check "no munge key baked in" test ! -e /etc/munge/munge.key
check "no policy-rc.d left" test ! -e /usr/sbin/policy-rc.d
check "no local apt source left" test ! -e /etc/apt/sources.list.d/pharos-local.list
check "apt cache cleaned" sh -c '! ls /var/cache/apt/archives/*.deb'
check "apt lists removed" sh -c '! ls /var/lib/apt/lists/*_Packages'
# --- the basics of a cloud image
installed cloud-init openssh-server sudo
enabled ssh
# cloud-init >= 24.3 split cloud-init.service into cloud-init-main/cloud-init-network
check "cloud-init enabled" sh -c 'systemctl is-enabled cloud-init-main.service || systemctl is-enabled cloud-init.service'
check "booted through GRUB from the disk" test -e /boot/grub/grub.cfg
