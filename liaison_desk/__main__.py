"""Allow `python -m liaison_desk`."""

from liaison_desk.cli import main

main()
