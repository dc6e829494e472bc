"""`python -m linkstar.web.assets`: install the console's front-end packages."""

from linkstar.web.assets import main

raise SystemExit(main())
