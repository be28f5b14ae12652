"""What the CLI drives, built from the container: migrate, serve, the facade."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from rich.console import Console
from sqlalchemy.engine import make_url

from application.service import Hourbill
from hourbill.container import Container
from infrastructure.persistence.migrate import upgrade

if TYPE_CHECKING:
    from starlette.applications import Starlette


def tune_garbage_collector() -> None:
    """Fewer, cheaper collections for a long-running server.

    Objects alive after start-up (modules, schema, mappers) are frozen out of the
    collector's scans, and young-generation collections run every 50,000 instead
    of every 700 allocations: request-sized bursts of objects (an orders page is
    ~10,000) no longer trigger full collections mid-request (docs/benchmarks.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


class ContainerRuntime:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.settings = container.settings()

    @property
    def database_description(self) -> str:
        return make_url(self.settings.database_url).render_as_string(hide_password=True)

    def migrate(self) -> None:
        upgrade(self.settings.database_url)

    def hourbill(self) -> Hourbill:
        return self.container.hourbill()

    def asgi_app(self) -> Starlette:
        from interfaces.http.app import create_app

        return create_app(
            self.hourbill(),
            graphiql=self.settings.graphiql,
            on_shutdown=[self.aclose],
        )

    def serve(self, host: str | None, port: int | None) -> None:
        import uvicorn

        host = host or self.settings.host
        port = port or self.settings.port
        console = Console(stderr=True)
        console.print(f"Database: {self.database_description}")
        if self.settings.graphiql:
            console.print(f"GraphiQL: [bold]http://{host}:{port}/graphql[/bold]")
        app = self.asgi_app()
        tune_garbage_collector()
        uvicorn.run(app, host=host, port=port, log_level="info")

    async def aclose(self) -> None:
        await self.container.database().dispose()
