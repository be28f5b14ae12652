"""A local Exact Online: the REST API Hourbill uses, with OAuth, limits and faults."""
