"""The catalog: requirement data, its models, loader, crosswalk projection and lint."""
