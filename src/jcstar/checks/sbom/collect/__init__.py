"""What the SBOM checks read: the profile's ``sbom:`` section and the SBOM file itself."""
