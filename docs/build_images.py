"""Regenerate the README's chart pictures (docs/images/*.png) from the bundled sample.

Run from the repository root: ``python docs/build_images.py``. It runs the whole job
on the sample in a temporary folder, imports one researcher's hand coding
(data/sample-coding/researcher_a.csv), so the charts count a person's coding rather
than the rules coder's suggestions, and writes the charts here as PNG.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import qda
from qda import reports
from qda.resources import sample_coding

HERE = Path(__file__).resolve().parent / "images"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = qda.run(out=Path(tmp) / "qda-output")
        with qda.Project.open(result.project) as project:
            project.import_coding(sample_coding(), coder="researcher_a")
            written = reports.export_charts(project, Path(tmp) / "charts")
        HERE.mkdir(parents=True, exist_ok=True)
        for path in written:
            if path.suffix == ".png":
                shutil.copy(path, HERE / path.name)
                print(HERE / path.name)


if __name__ == "__main__":
    main()
