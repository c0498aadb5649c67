#!/bin/sh
# Base environment: nothing to set for images converted from Docker.
