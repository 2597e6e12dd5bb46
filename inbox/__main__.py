import sys

from inbox.launcher import main

sys.exit(main())
