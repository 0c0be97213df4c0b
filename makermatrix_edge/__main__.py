from makermatrix_edge.cli import main

raise SystemExit(main())
