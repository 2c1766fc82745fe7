"""Assessment engine: profile -> plan -> run -> evaluate -> report."""
