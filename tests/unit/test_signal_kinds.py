"""The table of signal kinds is the one place a kind is known: each has a weight setting and its words."""

from __future__ import annotations

from typing import get_args

import pytest

from paperwire.config import Settings
from paperwire.core import signals
from paperwire.trending.explain import describe
from paperwire.trending.formula import KINDS, params_for
from paperwire.web.routes.api import Kind


@pytest.mark.parametrize("kind", signals.KINDS, ids=lambda k: k.name)
def test_every_kind_has_a_weight_setting_and_labels(kind: signals.SignalKind) -> None:
    field = Settings.model_fields.get(kind.weight_setting)
    assert field is not None, f"no setting {kind.weight_setting}"
    assert field.default == kind.default_weight
    assert field.description
    assert kind.one
    assert kind.many != kind.one


@pytest.mark.parametrize("kind", signals.KINDS, ids=lambda k: k.name)
def test_every_kind_is_scored_and_described(kind: signals.SignalKind) -> None:
    assert kind.name in KINDS
    settings = Settings(**{kind.weight_setting: 7.5})
    assert params_for(settings, "day").weights[kind.name] == 7.5
    # Sentences count whole events with the table's words for counts (the trending issue's wording).
    assert all(kind.counted)
    assert describe({kind.name: 1}) == f"{kind.counted_sign}1 {kind.counted[0]}"
    assert describe({kind.name: 3}) == f"{kind.counted_sign}3 {kind.counted[1]}"


def test_the_api_takes_exactly_the_reaction_kinds() -> None:
    assert get_args(Kind) == signals.REACTION_KINDS


def test_snapshots_come_first_and_names_are_unique() -> None:
    shapes = [k.shape for k in signals.KINDS]
    assert shapes == sorted(shapes, key=lambda s: s != "snapshot")
    assert len(set(signals.NAMES)) == len(signals.NAMES)
    assert set(signals.REACTION_KINDS) <= set(signals.EVENT_KINDS)
