"""The `hourbill` command line: serve, worker, migrate, demo-data, exact-sandbox.

The composition root hands in a factory for a `Runtime`, so this module knows
no adapter: it only drives what the runtime offers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Protocol

import typer
from rich.console import Console

from application.service import Hourbill
from interfaces.demo_data import DemoSize, load_demo_data


@dataclass(frozen=True)
class SandboxOptions:
    minutely_limit: int = 60
    daily_limit: int = 5000
    language: str = "en"
    demo: bool = True


class Runtime(Protocol):
    database_description: str

    def migrate(self) -> None: ...
    def hourbill(self) -> Hourbill: ...
    def serve(self, host: str | None, port: int | None) -> None:
        """Serve the API until interrupted; None means the configured default."""
        ...

    def new_secret_key(self) -> str:
        """A fresh key for HOURBILL_SECRET_KEY (encrypts Exact credentials at rest)."""
        ...

    def run_worker(self, once: bool) -> int:
        """Push queued invoices to Exact until interrupted; `once`: until none is due.

        Returns how many outbox items were handled (`once`).
        """
        ...

    def serve_exact_sandbox(self, host: str, port: int, options: SandboxOptions) -> None:
        """Serve a standalone Exact Online sandbox until interrupted."""
        ...

    async def aclose(self) -> None: ...


def make_cli(runtime_factory: Callable[[], Runtime]) -> typer.Typer:
    cli = typer.Typer(
        name="hourbill",
        help="Hourbill: hour bookings and supplies to orders, and on to Exact Online.",
        no_args_is_help=True,
        add_completion=False,
    )
    console = Console(stderr=True)

    @cli.command()
    def migrate() -> None:
        """Bring the database schema up to date (Alembic migrations)."""
        runtime = runtime_factory()
        runtime.migrate()
        console.print(f"[green]Database is up to date[/green]: {runtime.database_description}")

    @cli.command("demo-data")
    def demo_data(
        size: Annotated[DemoSize, typer.Option(help="How much demo data to make")] = DemoSize.SMALL,
        seed: Annotated[int, typer.Option(help="Seed for reproducible data")] = 2026,
    ) -> None:
        """Fill the database with realistic demo customers, projects, bookings and supplies."""
        runtime = runtime_factory()
        runtime.migrate()
        summary = asyncio.run(_load(runtime, size, seed))
        console.print(f"[green]Demo data loaded[/green]: {summary}")

    @cli.command()
    def serve(
        host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
        port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
        migrate: Annotated[bool, typer.Option(help="Migrate the database first")] = True,
        demo_data: Annotated[
            bool, typer.Option(help="Load demo data first when the database has none")
        ] = False,
    ) -> None:
        """Run the GraphQL API (GraphiQL in the browser) with uvicorn."""
        runtime = runtime_factory()
        if migrate:
            runtime.migrate()
        if demo_data:
            summary = asyncio.run(_load(runtime, DemoSize.SMALL, 2026, only_if_empty=True))
            console.print(f"Demo data: {summary}")
        runtime.serve(host, port)

    @cli.command()
    def worker(
        once: Annotated[bool, typer.Option(help="Handle what is due now, then exit")] = False,
    ) -> None:
        """Push queued invoices to Exact and attach their PDFs, beside serve's worker."""
        runtime = runtime_factory()
        console.print(f"Outbox worker on {runtime.database_description}")
        handled = runtime.run_worker(once)
        if once:
            console.print(f"[green]Handled {handled} outbox item(s)[/green]")

    @cli.command("secret-key")
    def secret_key() -> None:
        """Print a new encryption key for HOURBILL_SECRET_KEY."""
        print(runtime_factory().new_secret_key())

    @cli.command("exact-sandbox")
    def exact_sandbox(
        host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on")] = 8700,
        minutely_limit: Annotated[
            int, typer.Option(help="Calls per minute per app and division")
        ] = 60,
        daily_limit: Annotated[int, typer.Option(help="Calls per day per app and division")] = 5000,
        language: Annotated[
            str, typer.Option(help="Language of Exact's messages: en or nl")
        ] = "en",
        demo: Annotated[
            bool, typer.Option(help="Seed the demo administration and demo app")
        ] = True,
    ) -> None:
        """Run a local Exact Online (OAuth2, REST API, limits, faults, control API)."""
        if language not in ("en", "nl"):
            raise typer.BadParameter("use en or nl", param_hint="--language")
        console.print(f"Exact Online sandbox: [bold]http://{host}:{port}[/bold]")
        console.print(f"Control API: http://{host}:{port}/control/…  (see README)")
        options = SandboxOptions(minutely_limit, daily_limit, language, demo)
        runtime_factory().serve_exact_sandbox(host, port, options)

    return cli


async def _load(runtime: Runtime, size: DemoSize, seed: int, only_if_empty: bool = False) -> str:
    try:
        return await load_demo_data(runtime.hourbill(), size, seed, only_if_empty=only_if_empty)
    finally:
        await runtime.aclose()
