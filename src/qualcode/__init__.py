"""qualcode: code interview transcripts from the command line.

Every command of the CLI is a call to one function of this library.
"""

from __future__ import annotations

__version__ = "0.1.0"
