"""Checks that read a firmware image: accounts, secrets, boot services, update
signature, components. Each reads the image through :mod:`.collect.image`, unpacked once a run."""
