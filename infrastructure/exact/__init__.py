"""Exact Online: the httpx adapter, the in-memory fake and the sandbox server."""
