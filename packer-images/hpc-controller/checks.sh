# hpc-controller in-image tests (after common/checks.sh)
installed munge slurmctld slurmdbd slurm-client
enabled munge slurmctld slurmdbd
held munge slurmctld slurmdbd slurm-client
for p in beegfs-meta beegfs-storage beegfs-utils; do installed "$p"; done
check "BeeGFS packages came from the local repository (not Debian)" sh -c 'dpkg-query -W -f "\${Package}\n" "beegfs-*" | grep -q .'
