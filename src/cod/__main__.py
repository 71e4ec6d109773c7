"""Entry point for ``python -m cod``."""

from cod.cli import main

raise SystemExit(main())
