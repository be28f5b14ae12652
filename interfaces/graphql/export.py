"""Write the schema's SDL to `schema.graphql` at the repository root (or a given path).

uv run python -m interfaces.graphql.export [PATH]      (or: make schema)
"""

from __future__ import annotations

import sys
from pathlib import Path

from interfaces.graphql.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = "uv run python -m interfaces.graphql.export (or: make schema)"


def sdl() -> str:
    return schema.as_str() + "\n"


def export(path: Path = SCHEMA_FILE) -> Path:
    path.write_text(sdl(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    written = export(Path(args[0]) if args else SCHEMA_FILE)
    print(f"wrote {written}")


if __name__ == "__main__":
    main()
