"""The server's loaded models stay within their byte budget: loading one beyond it unloads the least recently used."""

from __future__ import annotations

import asyncio

from seglab.server.model_manager import ModelManager
from seglab.services.inference import resolve_model
from seglab.store import Workspace


def test_loading_beyond_the_budget_unloads_the_least_recently_used(deployed):
    ws = Workspace()
    try:
        weights = ws.blobs.stat(resolve_model(ws, deployed.model_id).weights_sha256)
        assert weights is not None
        manager = ModelManager(ws, max_bytes=int(weights.size * 1.5))  # room for one
        by_id, by_version = str(deployed.model_id), deployed.reference  # two names: two loaded copies

        async def scenario() -> list[list[str]]:
            seen = []
            await manager.add(by_id)
            seen.append(manager.loaded())
            await manager.add(by_version)
            seen.append(manager.loaded())
            await manager.add(by_id)
            seen.append(manager.loaded())
            manager.clear()
            seen.append(manager.loaded())
            return seen

        assert asyncio.run(scenario()) == [[by_id], [by_version], [by_id], []]
        assert [entry["model_id"] for entry in manager.registry()] == []

        roomy = ModelManager(ws, max_bytes=int(weights.size * 2.5))

        async def both() -> list[str]:
            await roomy.add(by_id)
            await roomy.add(by_version)
            await roomy.add(by_id)  # used again: now the most recent
            loaded = roomy.loaded()
            roomy.clear()
            return loaded

        assert asyncio.run(both()) == [by_version, by_id]
    finally:
        ws.close()
