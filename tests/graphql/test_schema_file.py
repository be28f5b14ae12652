from pathlib import Path

from interfaces.graphql.export import REGENERATE, SCHEMA_FILE, export, sdl


def test_the_committed_schema_file_is_up_to_date() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert committed == sdl(), f"schema.graphql is out of date; regenerate it with: {REGENERATE}"


def test_export_writes_the_sdl_to_a_given_path(tmp_path: Path) -> None:
    written = export(tmp_path / "schema.graphql")
    assert written.read_text(encoding="utf-8") == sdl()
    assert "type Subscription" in sdl()
