# cloud-base settings (a change here rebuilds this image only)
memory = 1536
