#!/bin/sh
# apptainer exec: set up the environment, run the command.
for script in /.singularity.d/env/*.sh; do
    if [ -f "$script" ]; then
        . "$script"
    fi
done
exec "$@"
