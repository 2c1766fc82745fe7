"""Watch lists: the model and registration numbers an organisation follows, and where it wants
to be told (its notification channels). A procurer's private data: never in the public log."""
