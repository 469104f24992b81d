import sys

from webchat.app import main

sys.exit(main())
