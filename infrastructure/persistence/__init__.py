"""SQL persistence: tables, classical mapping, repositories, unit of work, migrations."""
