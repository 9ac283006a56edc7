import sys

from serialint.cli import main

sys.exit(main())
