label = "a"
