"""Paths from this checkout (never from an installed package): the checkout itself, the
bundled sample and the default codebook."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
CODEBOOK = ROOT / "codebooks" / "family_involvement.yaml"
