"""Quote attribution: a label built from participant attributes by a template.

``{role}, {location}`` gives ``Responsible Officer, Kent``; a field that is empty
for a participant disappears with the separator before it, so a family member
with no location gets ``Mother of service user``.

:class:`AttributionRules` add the project's reporting rules on top (role folding,
fields dropped for some roles, a minimum group size); ``load_rules`` reads them from
YAML (``codebooks/attribution-reference-study.yaml`` is the reference study's).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from qda.errors import InputError

__all__ = ["DEFAULT_TEMPLATE", "AttributionRules", "attribute", "load_rules", "template_fields"]

DEFAULT_TEMPLATE = "{role}, {location}"


def template_fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def attribute(template: str, attrs: Mapping[str, object], *, fallback: str = "") -> str:
    """Fill the template; literals between fields appear only between filled fields."""
    out: list[str] = []
    pending = ""
    for literal, name, _, _ in string.Formatter().parse(template):
        pending += literal
        if name is None:
            continue
        value = attrs.get(name)
        value = "" if value is None or value != value else str(value).strip()  # NaN-safe
        if value:
            out.append((pending if out else pending.lstrip(" ,;-/")) + value)
        pending = ""
    text = "".join(out)
    if out and pending.strip():
        text += pending.rstrip()
    return text or fallback


# ---------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class AttributionRules:
    """How quotes are attributed, protecting identity (the project's reporting rules).

    For each participant, in this order:

    1. **fold**: the ``role_field`` value is replaced by its folded label when listed
       (``Senior Probation Officer → Responsible Officer``);
    2. **drop**: fields dropped for a role (matched on the role before *or* after
       folding): ``Quality Development Officer: [location]``;
    3. **minimum group size**: participants are grouped by every template field other
       than those in ``small_group_drops`` plus the ``small_group_drops`` themselves
       (after steps 1-2; a dropped field counts as empty), over *all* the project's
       participants (not only those quoted, so a label does not depend on which quotes
       are shown). When a group with a non-empty ``small_group_drops`` value has fewer
       than ``min_group_size`` members, those fields are dropped for its members.
       ``min_group_size`` 0 or 1 turns this off;
    4. the template is filled (:func:`attribute`); a participant with nothing to show
       gets the fallback (their id).
    """

    template: str = DEFAULT_TEMPLATE
    role_field: str = "role"
    fold: Mapping[str, str] = field(default_factory=dict)
    drop: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    min_group_size: int = 0
    small_group_drops: tuple[str, ...] = ("location",)

    def to_dict(self) -> dict:
        return {
            "template": self.template,
            "role_field": self.role_field,
            "fold": dict(self.fold),
            "drop": {k: list(v) for k, v in self.drop.items()},
            "min_group_size": self.min_group_size,
            "small_group_drops": list(self.small_group_drops),
        }

    @classmethod
    def from_dict(cls, data: Mapping, *, source: str = "attribution rules") -> AttributionRules:
        """Check and build rules from a mapping (a YAML file, the project settings)."""
        if not isinstance(data, Mapping):
            raise InputError(f"{source}: expected a mapping with template, fold, drop, min_group_size")
        known = {"template", "role_field", "fold", "drop", "min_group_size", "small_group_drops"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"{source}: unknown key {unknown[0]!r}; the keys are {', '.join(sorted(known))}")
        template = data.get("template", DEFAULT_TEMPLATE)
        try:
            fields = template_fields(template) if isinstance(template, str) else []
        except ValueError as exc:
            raise InputError(f"{source}: template {template!r}: {exc}") from exc
        if not fields:
            raise InputError(
                f"{source}: template must be text with fields in braces, e.g. '{{role}}, {{location}}'"
            )
        role_field = data.get("role_field", "role")
        if not isinstance(role_field, str) or not role_field:
            raise InputError(f"{source}: role_field must be a field name such as role")
        fold = data.get("fold") or {}
        if not isinstance(fold, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in fold.items()
        ):
            raise InputError(
                f"{source}: fold must map a role to the label it is reported "
                "under, e.g. 'Senior Probation Officer: Responsible Officer'"
            )
        drop_in = data.get("drop") or {}
        if not isinstance(drop_in, Mapping):
            raise InputError(
                f"{source}: drop must map a role to the fields it loses, e.g. "
                "'Quality Development Officer: [location]'"
            )
        drop: dict[str, tuple[str, ...]] = {}
        for role, names in drop_in.items():
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise InputError(f"{source}: drop: {role!r} must list field names")
            drop[str(role)] = tuple(names)
        size = data.get("min_group_size", 0)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InputError(f"{source}: min_group_size must be a whole number, 0 for none (got {size!r})")
        small = data.get("small_group_drops", ["location"])
        small = [small] if isinstance(small, str) else small
        if not isinstance(small, list) or not all(isinstance(n, str) for n in small):
            raise InputError(f"{source}: small_group_drops must list field names")
        return cls(template, role_field, dict(fold), drop, size, tuple(small))

    def check(self, *, source: str) -> None:
        """Refuse fields to drop that the template does not show (a typo would drop nothing)."""
        fields = template_fields(self.template)
        for role, names in self.drop.items():
            for n in names:
                if n not in fields:
                    raise InputError(
                        f"{source}: drop: {role!r} drops {n!r}, which is not a "
                        f"field of the template {self.template!r}"
                    )
        for n in self.small_group_drops:
            if n not in fields:
                raise InputError(
                    f"{source}: small_group_drops: {n!r} is not a field of the template {self.template!r}"
                )

    def labels(self, participants: Iterable[tuple[str, Mapping[str, object]]]) -> dict[str, str]:
        """participant id → attribution, for (id, attributes) pairs: every participant the
        groups are counted over."""
        fields = template_fields(self.template)
        shown: dict[str, dict[str, str]] = {}
        for pid, attrs in participants:
            values = {f: _clean(attrs.get(f)) for f in {*fields, self.role_field}}
            role = values.get(self.role_field, "")
            folded = self.fold.get(role, role)
            values[self.role_field] = folded
            for name in (*self.drop.get(role, ()), *(self.drop.get(folded, ()) if folded != role else ())):
                values[name] = ""
            shown[pid] = values
        if self.min_group_size > 1 and self.small_group_drops:
            group_of = {
                pid: tuple(v.get(f, "") for f in (*fields, *self.small_group_drops))
                for pid, v in shown.items()
            }
            sizes: dict[tuple, int] = {}
            for g in group_of.values():
                sizes[g] = sizes.get(g, 0) + 1
            for pid, values in shown.items():
                if sizes[group_of[pid]] < self.min_group_size and any(
                    values.get(f) for f in self.small_group_drops
                ):
                    for f in self.small_group_drops:
                        values[f] = ""
        return {pid: attribute(self.template, v, fallback=str(pid)) for pid, v in shown.items()}


def _clean(value: object) -> str:
    return "" if value is None or value != value else str(value).strip()


def load_rules(path: str | Path) -> AttributionRules:
    """Read attribution rules from a YAML file (see :class:`AttributionRules`)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such attribution rules file")
    try:
        from qda.codebook.yamlfile import BoundedLoader

        data = yaml.load(
            path.read_text(encoding="utf-8-sig"),  # noqa: S506 - a SafeLoader
            Loader=BoundedLoader,
        )
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: is not valid YAML: {' '.join(str(exc).split())}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: is not UTF-8 text") from exc
    rules = AttributionRules.from_dict(data or {}, source=str(path))
    rules.check(source=str(path))
    return rules
