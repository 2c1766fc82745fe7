"""Checks of the vendor's software bill of materials (an SBOM file the profile names)."""
