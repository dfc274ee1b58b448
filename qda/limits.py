"""The limits qda holds hostile or oversized input to, stated once.

A flat list of named constants, each with what it bounds and why; every refusal that
one of them causes names the limit (the constant's value, and what to do). README's
reliability table lists them with what happens at each. Add a line per new limit.
"""

from __future__ import annotations

# ----------------------------------------------------------------- text and segments
#: The longest segment (and, since a segment never crosses a turn and the sentence
#: unit reads a turn whole, the longest speaker turn or paragraph) in characters.
#: spaCy refuses longer texts (error E088); a researcher's passage is never this long.
MAX_SEGMENT_CHARS = 1_000_000

#: XML elements (paragraphs, runs, table cells...) in a Word document's text, counted
#: before python-docx reads it: libxml2's XPath fails past 10 million nodes, and 10
#: million empty paragraphs zip into 120 kB. A 300-page transcript has about 100,000.
MAX_DOCX_ELEMENTS = 2_000_000

# --------------------------------------------------------------------------- codebooks
#: Levels of a code tree (a theme is level 1). Deeper trees overflow the recursion of
#: the libraries that read them (jsonschema, XML); real codebooks have 2 to 5 levels.
MAX_CODE_DEPTH = 50

#: How deeply a YAML codebook's lists and mappings may nest (a code level takes two:
#: its mapping and its ``children`` list), checked while the file is parsed.
MAX_YAML_DEPTH = 2 * MAX_CODE_DEPTH + 20

#: Values that YAML aliases (``*name``) may stand for in one file, all aliases
#: together: a few shared keyword lists are fine, a nested "billion laughs" is not.
MAX_YAML_ALIAS_VALUES = 10_000

#: Seconds one spaCy ``REGEX`` predicate may take on one token before the rules coder
#: stops and names the pattern (a regular expression that backtracks catastrophically).
REGEX_TIMEOUT = 1.0

# ---------------------------------------------------------------- files and archives
#: One input file (a transcript, a survey table), and the text of one REFI-QDA source.
MAX_DOCUMENT_BYTES = 50 * 1024**2

#: Codes in one codebook (YAML, Excel, .qdc, or the codebook of a .qdpx). The largest real
#: codebooks hold a few thousand; 1,000,000 flat codes took over 60 s and 2.3 GB.
MAX_CODES = 20_000

#: One member of a .docx or .xlsx, inflated (word/document.xml, a sheet): checked on the
#: bytes actually inflated, before the XML is parsed (a 1 MB .docx inflated to 1 GB).
MAX_INFLATED_MEMBER_BYTES = 256 * 1024**2

#: Inflated / packed size, for any zip member over MAX_RATIO_FLOOR_BYTES and for a whole
#: .qdpx; text compresses 3-10 times, a zip bomb hundreds of times.
MAX_ZIP_RATIO = 100
MAX_RATIO_FLOOR_BYTES = 64 * 1024

#: A .qdpx file itself, its members, and all of them inflated together.
MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_ARCHIVE_MEMBERS = 10_000
MAX_UNPACKED_BYTES = 1024**3
