# The two commands: `make serve` runs Hourbill on the embedded default,
# `make test` runs every check. Both install what they need first.
UV_VERSION := 0.13.8
UV := $(if $(shell command -v uv 2>/dev/null),uv,python3 -m uv)

.PHONY: serve test bootstrap schema bench

bootstrap:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet

serve: bootstrap
	$(UV) run hourbill serve --demo-data

test: bootstrap
	UV="$(UV)" bash scripts/check

schema: bootstrap
	$(UV) run python -m interfaces.graphql.export

bench: bootstrap
	$(UV) run python -m bench.run_all
