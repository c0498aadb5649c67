#!/bin/sh
# Environment of the SCIF app selected with --app.
if [ -n "${SINGULARITY_APPNAME:-}" ]; then
    export SINGULARITY_APPNAME
    if [ ! -d "/scif/apps/${SINGULARITY_APPNAME}/" ]; then
        echo "Could not locate the container application: ${SINGULARITY_APPNAME}"
        exit 1
    fi
    SCIF_APPS="/scif/apps"
    SCIF_APPROOT="/scif/apps/${SINGULARITY_APPNAME}"
    export SCIF_APPROOT SCIF_APPS
    PATH="/scif/apps/${SINGULARITY_APPNAME}:/scif/apps/singularity:$PATH"
    if [ -d "/scif/apps/${SINGULARITY_APPNAME}/bin" ]; then
        PATH="/scif/apps/${SINGULARITY_APPNAME}/bin:$PATH"
    elif [ -d "/scif/apps/singularity/bin" ]; then
        PATH="/scif/apps/singularity/bin:$PATH"
    fi
    if [ -d "/scif/apps/${SINGULARITY_APPNAME}/lib" ]; then
        LD_LIBRARY_PATH="/scif/apps/${SINGULARITY_APPNAME}/lib:$LD_LIBRARY_PATH"
        export LD_LIBRARY_PATH
    elif [ -d "/scif/apps/singularity/lib" ]; then
        LD_LIBRARY_PATH="/scif/apps/singularity/lib:$LD_LIBRARY_PATH"
        export LD_LIBRARY_PATH
    fi
    for envfile in 01-base.sh 90-environment.sh; do
        if [ -f "/scif/apps/${SINGULARITY_APPNAME}/scif/env/$envfile" ]; then
            . "/scif/apps/${SINGULARITY_APPNAME}/scif/env/$envfile"
        elif [ -f "/scif/apps/singularity/scif/env/$envfile" ]; then
            . "/scif/apps/singularity/scif/env/$envfile"
        fi
    done
    export PATH
fi
