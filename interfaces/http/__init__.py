"""The HTTP side of Hourbill: the Starlette application serving GraphQL."""
