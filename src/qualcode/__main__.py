"""Run the command line as ``python -m qualcode``."""

from qualcode.cli import main

if __name__ == "__main__":
    main()
