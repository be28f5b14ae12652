"""The `hourbill` command line: serve, worker, migrate, demo-data, exact-sandbox.

The composition root hands in a factory for a `Runtime`, so this module knows
no adapter: it only drives what the runtime offers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from application.access import NewApiKey
from application.ports import PageRequest
from application.service import Hourbill
from domain.access import ApiKey, Role
from domain.audit import AuditOutcome
from domain.errors import HourbillError
from interfaces.demo_data import DemoSize, load_demo_data


@dataclass(frozen=True)
class SandboxOptions:
    minutely_limit: int = 60
    daily_limit: int = 5000
    language: str = "en"
    demo: bool = True


class Runtime(Protocol):
    database_description: str

    def startup_problems(self) -> list[str]:
        """Why `serve` and `worker` must not start as configured (production); empty: fine."""
        ...

    def migrate(self) -> None: ...
    def hourbill(self) -> Hourbill: ...
    def development_key(self) -> str | None:
        """On the embedded default's first start, a new admin key; None otherwise."""
        ...

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

    async def release(self) -> None:
        """Free what a set-up step bound to its event loop; the runtime stays usable."""
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
        refuse_unsafe_start(runtime, console)
        if migrate:
            runtime.migrate()
        if demo_data:
            summary = asyncio.run(
                _load(runtime, DemoSize.SMALL, 2026, only_if_empty=True, keep_open=True)
            )
            console.print(f"Demo data: {summary}")
        token = runtime.development_key()
        if token is not None:
            console.print(
                "[bold]A development admin key was made (shown once):[/bold]\n"
                f"  [green]{token}[/green]\n"
                "  Send it as `Authorization: Bearer …`; more keys: `hourbill keys create`.",
                highlight=False,
            )
        runtime.serve(host, port)

    @cli.command()
    def worker(
        once: Annotated[bool, typer.Option(help="Handle what is due now, then exit")] = False,
    ) -> None:
        """Push queued invoices to Exact and attach their PDFs, beside serve's worker."""
        runtime = runtime_factory()
        refuse_unsafe_start(runtime, console)
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

    cli.add_typer(_keys_cli(runtime_factory, console), name="keys")
    return cli


def _keys_cli(runtime_factory: Callable[[], Runtime], console: Console) -> typer.Typer:
    keys = typer.Typer(help="API keys: create, list and revoke.", no_args_is_help=True)

    @keys.command("create")
    def create(
        name: Annotated[str, typer.Option(help="What the key is for, e.g. 'billing front-end'")],
        role: Annotated[
            Role, typer.Option(case_sensitive=False, help="viewer, biller or admin")
        ] = Role.VIEWER,
    ) -> None:
        """Make a key. It is printed once, on stdout; only its hash is stored."""
        runtime = runtime_factory()
        runtime.migrate()
        try:
            made = asyncio.run(_create_key(runtime, name, role))
        except HourbillError as error:
            console.print(f"[red]{escape(str(error))}[/red]", highlight=False)
            raise typer.Exit(code=1) from None
        console.print(
            f"[green]Key {escape(made.key.name)!r} ({made.key.role.value.lower()}) made[/green];"
            " it is shown this once:",
            highlight=False,
        )
        print(made.token)

    @keys.command("list")
    def list_keys(
        all: Annotated[bool, typer.Option("--all", help="Include revoked keys")] = False,
    ) -> None:
        """The keys (never their secrets): name, role, prefix, when made and last used."""
        runtime = runtime_factory()
        runtime.migrate()
        found = asyncio.run(_list_keys(runtime, all))
        table = Table("name", "role", "prefix", "created", "last used", "revoked", "id")
        for key in found:
            table.add_row(
                key.name,
                key.role.value.lower(),
                key.prefix,
                _when(key.created_at),
                _when(key.last_used_at),
                _when(key.revoked_at),
                str(key.id),
            )
        Console(width=None if sys.stdout.isatty() else 160).print(table)

    @keys.command("revoke")
    def revoke(
        key: Annotated[
            str, typer.Argument(help="The key's id or prefix, or the name of an active key")
        ],
    ) -> None:
        """Revoke a key: every request with it is refused from now on."""
        runtime = runtime_factory()
        runtime.migrate()
        try:
            revoked = asyncio.run(_revoke_key(runtime, key))
        except HourbillError as error:
            console.print(f"[red]{escape(str(error))}[/red]", highlight=False)
            raise typer.Exit(code=1) from None
        console.print(f"[green]Revoked[/green] {escape(revoked.name)!r} ({revoked.id})")

    return keys


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


async def _create_key(runtime: Runtime, name: str, role: Role) -> NewApiKey:
    try:
        hourbill = runtime.hourbill()
        made = await hourbill.create_api_key.execute(name, role, "cli")
        arguments = json.dumps({"name": made.key.name, "role": role.value})
        await hourbill.audit_log.record(
            "cli.keys.create", None, arguments, AuditOutcome.SUCCEEDED, actor_name="cli"
        )
        return made
    finally:
        await runtime.aclose()


async def _list_keys(runtime: Runtime, include_revoked: bool) -> list[ApiKey]:
    try:
        keys = runtime.hourbill().api_keys
        found: list[ApiKey] = []
        after: str | None = None
        while True:
            page = await keys.page(PageRequest(first=500, after=after), include_revoked)
            found.extend(page.items)
            if not page.has_next_page:
                return found
            after = page.edges[-1][0]
    finally:
        await runtime.aclose()


async def _revoke_key(runtime: Runtime, reference: str) -> ApiKey:
    try:
        hourbill = runtime.hourbill()
        try:
            key: uuid.UUID | str = uuid.UUID(reference)
        except ValueError:
            key = reference
        revoked = await hourbill.revoke_api_key.execute(key)
        arguments = json.dumps({"id": str(revoked.id), "name": revoked.name})
        await hourbill.audit_log.record(
            "cli.keys.revoke", None, arguments, AuditOutcome.SUCCEEDED, actor_name="cli"
        )
        return revoked
    finally:
        await runtime.aclose()


def refuse_unsafe_start(runtime: Runtime, console: Console) -> None:
    """Exit (code 2) listing every problem when production is not configured safely."""
    problems = runtime.startup_problems()
    if not problems:
        return
    console.print("[bold red]Hourbill will not start in production like this:[/bold red]")
    for problem in problems:
        console.print(f"  [red]•[/red] {escape(problem)}", highlight=False)
    console.print("Fix these, or set HOURBILL_ENVIRONMENT=development (the default).")
    raise typer.Exit(code=2)


async def _load(
    runtime: Runtime,
    size: DemoSize,
    seed: int,
    only_if_empty: bool = False,
    keep_open: bool = False,
) -> str:
    """Demo data; `keep_open` when `serve` follows (only the database connections go)."""
    try:
        return await load_demo_data(runtime.hourbill(), size, seed, only_if_empty=only_if_empty)
    finally:
        await (runtime.release() if keep_open else runtime.aclose())
