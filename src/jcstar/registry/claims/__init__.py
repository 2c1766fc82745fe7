"""The public claim check: may a product be said to be "applied for" or labelled?"""
