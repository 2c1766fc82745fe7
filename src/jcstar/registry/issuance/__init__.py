"""Issuance: where an application becomes a label. The only registry code that knows both
domains, so ``applications`` and ``labels`` never import each other."""
