"""``python -m remnant`` runs the command line."""

from remnant.cli import run

if __name__ == "__main__":
    run()
