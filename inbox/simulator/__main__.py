"""`python -m inbox.simulator serve|text|phone ...`"""

import sys

from inbox.simulator.cli import main

sys.exit(main())
