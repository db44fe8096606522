"""``python -m ixpctl``: the same command line as the ``ixpctl`` script (``ixpctl.cli:main``).

May import: cli
"""

from .cli import main

if __name__ == "__main__":
    main(prog_name="ixpctl")
