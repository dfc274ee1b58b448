"""Re-execute the saved notebooks and save them with their new outputs (nbclient, a
real kernel). Run from anywhere: ``python notebooks/build/execute.py [NAME ...]``
(default: every notebook in ``notebooks/``)."""

import sys

import nbformat as nbf
from common import ROOT, execute

names = sys.argv[1:] or sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
for name in names:
    path = ROOT / "notebooks" / f"{name.removesuffix('.ipynb')}.ipynb"
    nb = execute(nbf.read(path, as_version=4))
    nbf.write(nb, path)
    print(f"executed {path.relative_to(ROOT)}")
