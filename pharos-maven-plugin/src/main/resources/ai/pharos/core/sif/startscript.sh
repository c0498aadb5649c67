#!/bin/sh
# Instance start script: none defined for this image.
