from __future__ import annotations

import pytest

from seglab.agent import KnownModel


@pytest.fixture
def models() -> tuple[KnownModel, ...]:
    """Three trained models, as a workspace would list them (the newest last)."""
    return (
        KnownModel(1, "pets/1", "pets", ("cat", "dog")),
        KnownModel(2, "cars/1", "cars", ("car", "truck", "bus")),
        KnownModel(3, "asl-alphabet/2", "asl-alphabet", ("A", "B", "C")),
    )
