"""The Temporal contracts: what crosses between the API, the workflows and the activities.

Pure (pydantic models, activity declarations, search-attribute keys, the error mapping):
safe to import in the workflow sandbox. Workflows depend on this and on `nara.domain`
only.
"""
