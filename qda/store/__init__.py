"""The project store: one SQLite file per project. The only package that speaks SQL.

Everyone else hands the store plain rows (dicts, DataFrames) and gets DataFrames
back. Writes happen inside :meth:`Store.transaction`; nested use joins the outer
transaction, so a whole command commits or rolls back as one.

:class:`Store` is put together from one part per kind of row (``documents.py``,
``codes.py``, ``codings.py``, ``framework.py``, ``memos.py``, ``anonymity.py``, ``backups.py``,
``llmcache.py``), each a subclass of the connection's :class:`~qda.store.base.StoreBase`
(``base.py``); the schema is in ``migrations.py``; ``safety.py`` checks a file before it is
opened.
"""

from qda.store import migrations
from qda.store.anonymity import AnonymityRows
from qda.store.backups import BackupRows
from qda.store.base import StoreBase, now
from qda.store.codes import CodeRows
from qda.store.codings import CodingRows
from qda.store.documents import DocumentRows
from qda.store.framework import FrameworkRows
from qda.store.llmcache import LlmAnswerRows
from qda.store.memos import MemoRows

__all__ = ["Store", "migrations", "now"]


class Store(
    DocumentRows,
    CodeRows,
    CodingRows,
    FrameworkRows,
    MemoRows,
    AnonymityRows,
    BackupRows,
    LlmAnswerRows,
    StoreBase,
):
    """A qda project file. Open with :meth:`open` or :meth:`create`."""
