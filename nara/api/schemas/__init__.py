"""Request and response bodies of the HTTP API, one module per resource.

They are separate from the SQLAlchemy tables: a table column can change without
changing what clients see, and the reverse.
"""
