"""Document checks that need no device: vulnerability disclosure policy, security.txt."""
