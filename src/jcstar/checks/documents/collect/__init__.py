"""Reading a vendor document (a URL or a file next to the profile) for the document checks."""
