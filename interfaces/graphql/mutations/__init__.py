"""Mutations: one per use case, each taking one `input` and returning a payload."""
