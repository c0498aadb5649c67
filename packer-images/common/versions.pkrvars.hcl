# One version set for every image (passed to each template with -var-file): controller and compute must run the
# same Slurm and munge. Versions of Debian 13 (trixie); the images pin these and hold them.
slurm_version = "24.11.5-4+deb13u1"
munge_version = "0.5.16-1.1~deb13u1"
