"""``python -m outreachpass.db.migrate``: see outreachpass.db.migrate.cli."""

import sys

from outreachpass.db.migrate.cli import main

sys.exit(main())
