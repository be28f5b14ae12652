"""The GraphQL API: a Strawberry schema built from domain objects, driving the `Hourbill` facade."""
