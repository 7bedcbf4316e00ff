"""``python -m nhc.cli``: the ``nhc`` command."""

from nhc.cli.root import main

main()
