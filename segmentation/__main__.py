"""``python -m segmentation``: the command line (see ``segmentation.cli``)."""

from segmentation.cli import main

raise SystemExit(main())
