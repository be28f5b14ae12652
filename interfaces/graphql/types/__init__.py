"""GraphQL object types, one module per aggregate, each built from a domain object."""
