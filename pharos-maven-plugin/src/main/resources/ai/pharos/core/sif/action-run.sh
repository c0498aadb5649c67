#!/bin/sh
# apptainer run: set up the environment, start the runscript.
for script in /.singularity.d/env/*.sh; do
    if [ -f "$script" ]; then
        . "$script"
    fi
done
if [ -n "${SINGULARITY_APPNAME:-}" ]; then
    for candidate in "/scif/apps/${SINGULARITY_APPNAME}/scif/runscript" "/scif/apps/singularity/scif/runscript"; do
        if [ -x "$candidate" ]; then
            exec "$candidate" "$@"
        fi
    done
    echo "No Apptainer runscript for contained app: ${SINGULARITY_APPNAME}"
    exit 1
fi
if [ -x /.singularity.d/runscript ]; then
    exec /.singularity.d/runscript "$@"
fi
echo "No Apptainer runscript found, executing /bin/sh"
exec /bin/sh "$@"
