# hpc-compute settings (a change here rebuilds this image only)
memory = 2048
