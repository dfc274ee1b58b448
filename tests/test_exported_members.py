"""The public namespace is curated: __all__ lists exactly what `qda` offers."""

import qda


def test_all_is_exactly_the_public_namespace():
    public = {name for name in dir(qda) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(qda, name)).__name__ == "module"}
    assert set(qda.__all__) - {"__version__"} == public - modules


def test_every_exported_member_is_documented():
    for name in qda.__all__:
        member = getattr(qda, name)
        if callable(member):
            assert member.__doc__, f"qda.{name} has no docstring"
