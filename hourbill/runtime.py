"""What the CLI drives, built from the container: migrate, serve, the facade."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from typing import TYPE_CHECKING

from dependency_injector import providers
from rich.console import Console
from sqlalchemy.engine import make_url

from application.service import Hourbill
from hourbill.container import Container
from hourbill.settings import EMBEDDED_SANDBOX_PATH
from infrastructure.exact.sandbox.app import create_sandbox_app
from infrastructure.persistence.migrate import upgrade
from interfaces.cli import SandboxOptions
from interfaces.http.app import ShutdownHook

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.types import ASGIApp


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OWN_PACKAGES = ("hourbill", "domain", "application", "infrastructure", "interfaces")


def configure_logging(level: str) -> None:
    """Hourbill's own loggers at `level` on stderr; libraries (httpx, SQLAlchemy) stay at
    WARNING; uvicorn configures its own (access log, server)."""
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT, force=True)
    for package in OWN_PACKAGES:
        logging.getLogger(package).setLevel(level.upper())


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

    def development_key(self) -> str | None:
        """The embedded default's first start makes an admin key, so the API can be tried."""
        if not self.settings.exact_sandbox_embedded or self.settings.production:
            return None
        return asyncio.run(self._development_key())

    async def _development_key(self) -> str | None:
        try:
            made = await self.hourbill().ensure_development_key.execute()
        finally:
            await self.release()
        return made.token if made else None

    def startup_problems(self) -> list[str]:
        return self.settings.startup_problems()

    def asgi_app(self) -> Starlette:
        from interfaces.graphql.schema import build_schema
        from interfaces.http.app import create_app

        mounts: list[tuple[str, ASGIApp]] = []
        events = self.container.events()
        on_startup: list[ShutdownHook] = [events.start]
        on_shutdown: list[ShutdownHook] = []
        if self.settings.exact_sandbox_embedded:
            sandbox = self.container.exact_sandbox()
            sandbox.administration.base_url = self.settings.exact_url()
            mounts.append((EMBEDDED_SANDBOX_PATH, create_sandbox_app(sandbox)))
            on_startup.append(sandbox.webhooks.start)
            on_shutdown.append(sandbox.webhooks.stop)
        on_shutdown.append(self.container.exact_webhook_handler().aclose)
        if self.settings.worker:
            worker = self.container.outbox_worker()
            on_startup.append(worker.start)
            on_shutdown.insert(0, worker.stop)
            polling = self.container.invoice_number_polling()  # with the worker: once per role
            on_startup.append(polling.start)
            on_shutdown.insert(0, polling.stop)
        return create_app(
            self.hourbill(),
            graphiql=self.settings.graphiql_enabled,
            schema=build_schema(
                introspection=self.settings.introspection_enabled,
                suggestions=self.settings.suggestions_enabled,
            ),
            max_request_bytes=self.settings.max_request_bytes,
            on_startup=on_startup,
            on_shutdown=[*on_shutdown, self.aclose],
            mounts=mounts,
        )

    def at(self, host: str | None, port: int | None) -> None:
        """Listen elsewhere than configured (before anything is built)."""
        changes = {key: value for key, value in (("host", host), ("port", port)) if value}
        if changes:
            self.settings = self.settings.model_copy(update=changes)
            self.container.settings.override(providers.Object(self.settings))

    def serve(self, host: str | None, port: int | None) -> None:
        import uvicorn

        self.at(host, port)
        host, port = self.settings.host, self.settings.port
        configure_logging(self.settings.log_level)
        console = Console(stderr=True)
        console.print(f"Database: {self.database_description}")
        if self.settings.graphiql_enabled:
            console.print(f"GraphiQL: [bold]http://{host}:{port}/graphql[/bold]")
        if self.settings.exact_sandbox_embedded:
            console.print(f"Exact Online sandbox (embedded): {self.settings.exact_url()}")
        app = self.asgi_app()
        tune_garbage_collector()
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            ws_max_size=self.settings.max_request_bytes,
        )

    def run_worker(self, once: bool) -> int:
        """Push queued invoices to Exact until SIGINT or SIGTERM (or, `once`, until none is due)."""
        configure_logging(self.settings.log_level)
        return asyncio.run(self._work(once))

    async def _work(self, once: bool) -> int:
        worker = self.container.outbox_worker()
        try:
            if once:
                return await worker.drain()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            polling = self.container.invoice_number_polling()
            await worker.start()
            await polling.start()
            await stop.wait()
            await polling.stop()
            await worker.stop()
            return 0
        finally:
            await self.aclose()

    def new_secret_key(self) -> str:
        from infrastructure.secrets import SecretBox

        return SecretBox.generate_key()

    def serve_exact_sandbox(self, host: str, port: int, options: SandboxOptions) -> None:
        from infrastructure.exact.sandbox.sandbox import Sandbox, SandboxConfig
        from infrastructure.exact.sandbox.server import serve_sandbox

        config = SandboxConfig(
            minutely_limit=options.minutely_limit,
            daily_limit=options.daily_limit,
            language=options.language,
            demo=options.demo,
        )
        serve_sandbox(Sandbox(config), host=host, port=port)

    async def release(self) -> None:
        """Let go of what is bound to this event loop (database connections), keeping the
        rest open: `serve` runs after set-up steps on an event loop of its own."""
        await self.container.database().dispose()

    async def aclose(self) -> None:
        await self.container.events().aclose()
        await self.container.exact_client().aclose()
        await self.container.database().dispose()
