"""Entry point of the `hourbill` command."""

from __future__ import annotations

from hourbill.container import build_container
from hourbill.runtime import ContainerRuntime
from interfaces.cli import make_cli


def main() -> None:
    make_cli(lambda: ContainerRuntime(build_container()))()


if __name__ == "__main__":
    main()
