#!/bin/sh
# apptainer test: set up the environment, run the test script.
for script in /.singularity.d/env/*.sh; do
    if [ -f "$script" ]; then
        . "$script"
    fi
done
if [ -n "${SINGULARITY_APPNAME:-}" ]; then
    for candidate in "/scif/apps/${SINGULARITY_APPNAME}/scif/test" "/scif/apps/singularity/scif/test"; do
        if [ -x "$candidate" ]; then
            exec "$candidate" "$@"
        fi
    done
    echo "No tests for contained app: ${SINGULARITY_APPNAME}"
    exit 1
fi
if [ -x /.singularity.d/test ]; then
    exec /.singularity.d/test "$@"
fi
echo "No test found in container, executing /bin/sh -c true"
exec /bin/sh -c true
