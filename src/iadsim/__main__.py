"""``python -m iadsim``: the same command line as the ``iadsim`` script."""

from iadsim.cli import app

app(prog_name="iadsim")
