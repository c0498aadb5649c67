#!/bin/sh
# Environment of the definition file's %environment section (none for a Docker source); add custom shell code below.
