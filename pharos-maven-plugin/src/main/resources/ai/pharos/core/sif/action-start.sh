#!/bin/sh
# apptainer instance start: tell PID 1 to go on, then run the startscript. Keep the kill line.
kill -CONT 1
for script in /.singularity.d/env/*.sh; do
    if [ -f "$script" ]; then
        . "$script"
    fi
done
if [ -x /.singularity.d/startscript ]; then
    exec /.singularity.d/startscript
fi
