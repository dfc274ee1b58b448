"""Attribution: how quotes are attributed (the template and the rules) and the label
each participant's quotes carry. Part of :class:`qda.Project`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from qda.attribution import DEFAULT_TEMPLATE, AttributionRules, load_rules
from qda.project._util import _who
from qda.project.base import ProjectBase


class Attributing(ProjectBase):
    @property
    def attribution_template(self) -> str:
        return str(self._store.get_setting("attribution_template", DEFAULT_TEMPLATE))

    def set_attribution_template(self, template: str, *, who: str | None = None) -> None:
        with self._store.transaction():
            self._store.set_setting("attribution_template", template)
            self._store.record(
                who=_who(who),
                action="set",
                entity="setting",
                entity_id="attribution_template",
                detail={"value": template},
            )

    @property
    def attribution_rules(self) -> AttributionRules:
        """The project's attribution rules (template: the ``attribution_template`` setting)."""
        data = self._store.get_setting("attribution_rules") or {}
        return AttributionRules.from_dict(
            {**data, "template": self.attribution_template}, source=f"{self.path}: attribution rules"
        )

    def set_attribution_rules(
        self, rules: AttributionRules | Mapping[str, Any] | str | Path, *, who: str | None = None
    ) -> AttributionRules:
        """Set the rules from a YAML file, a mapping or :class:`AttributionRules`; one
        transaction, recorded in history. Returns the rules as stored."""
        if isinstance(rules, (str, Path)):
            rules = load_rules(rules)
        elif not isinstance(rules, AttributionRules):
            rules = AttributionRules.from_dict(rules)
            rules.check(source="attribution rules")
        stored = rules.to_dict()
        template = stored.pop("template")
        with self._store.transaction():
            self._store.set_setting("attribution_rules", stored)
            self._store.set_setting("attribution_template", template)
            self._store.record(
                who=_who(who),
                action="set",
                entity="setting",
                entity_id="attribution_rules",
                detail=rules.to_dict(),
            )
        return rules

    def attributions(self, *, template: str | None = None) -> dict[str, str]:
        """participant id → the label quotes are attributed by, following the project's
        attribution rules (``template`` overrides the rules' template for this call)."""
        rules = self.attribution_rules
        if template:
            rules = replace(rules, template=template)
        parts = self._store.participants()
        if parts.empty:
            return {}
        attrs = parts.drop(columns=["label", "auto"]).set_index("participant_id")
        return rules.labels(attrs.to_dict("index").items())
