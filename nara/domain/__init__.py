"""The procurement rules: pure functions over dated rule tables.

No I/O, no framework, no clock or global random state: safe to import inside
Temporal workflows. Each module is one family of rules; `rules` holds the
numbers and where they come from.
"""
