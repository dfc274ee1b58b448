"""Every size limit on input, stated once (README's reliability table lists them).

A flat list of named constants: the readers, loaders and the REFI-QDA archive import
them from here, and each refusal names the limit it met and what to do.
"""

from __future__ import annotations

#: One input file (a transcript, a survey table), and the text of one REFI-QDA source.
MAX_DOCUMENT_BYTES = 50 * 1024 ** 2

#: Codes in one codebook (YAML, Excel, .qdc, or the codebook of a .qdpx). The largest real
#: codebooks hold a few thousand; 1,000,000 flat codes took over 60 s and 2.3 GB.
MAX_CODES = 20_000

#: One member of a .docx or .xlsx, inflated (word/document.xml, a sheet): checked on the
#: bytes actually inflated, before the XML is parsed (a 1 MB .docx inflated to 1 GB).
MAX_INFLATED_MEMBER_BYTES = 256 * 1024 ** 2

#: Inflated / packed size, for any zip member over MAX_RATIO_FLOOR_BYTES and for a whole
#: .qdpx; text compresses 3-10 times, a zip bomb hundreds of times.
MAX_ZIP_RATIO = 100
MAX_RATIO_FLOOR_BYTES = 64 * 1024

#: A .qdpx file itself, its members, and all of them inflated together.
MAX_ARCHIVE_BYTES = 2 * 1024 ** 3
MAX_ARCHIVE_MEMBERS = 10_000
MAX_UNPACKED_BYTES = 1024 ** 3
