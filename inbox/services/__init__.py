"""Domain services: they know the data model, not HTTP."""
