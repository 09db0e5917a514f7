"""The models a server keeps loaded, and the batching of concurrent requests to each.

Loading (and the first ONNX export) runs in a thread, so the server answers other requests while a
model loads; concurrent requests for a model that is loading wait for that one load.
Each model has one inference thread. Requests queue for it; when it becomes free it takes every
queued image (up to ``max_batch``) as one batch. A lone request therefore runs at once, and under
load requests share a forward pass instead of waiting behind each other.
Loaded models are kept within ``SEGLAB_LOADED_MODELS_MB`` (by the size of their weights): loading one beyond it
unloads the least recently used.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from seglab.errors import UnavailableError
from seglab.lru import SizedLru
from seglab.models import Prediction, PredictOptions
from seglab.models.images import RgbImage
from seglab.services.inference import LoadedModel, load_model
from seglab.store import Workspace

logger = logging.getLogger("seglab.server")


@dataclass
class _Request:
    image: RgbImage
    size: tuple[int, int]
    """``(width, height)`` of the original image (``image`` may be a reduced copy)."""
    options: PredictOptions
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Prediction]


@dataclass
class _Batcher:
    loaded: LoadedModel
    max_batch: int
    requests: queue.SimpleQueue[_Request | None] = field(default_factory=queue.SimpleQueue)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._serve, name=f"infer-{self.loaded.model.id}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.requests.put(None)

    def _take_batch(self, first: _Request) -> tuple[list[_Request], bool]:
        batch, stopping = [first], False
        while len(batch) < self.max_batch:
            try:
                more = self.requests.get_nowait()
            except queue.Empty:
                break
            if more is None:
                stopping = True
                break
            batch.append(more)
        return batch, stopping

    def _serve(self) -> None:
        try:
            self._serve_until_stopped()
        finally:
            self._refuse_the_rest()

    def _refuse_the_rest(self) -> None:
        """Requests queued after the model was unloaded are answered (503), not left waiting."""
        while True:
            try:
                late = self.requests.get_nowait()
            except queue.Empty:
                return
            if late is not None:
                unloaded = UnavailableError(f"model {self.loaded.model.id} was unloaded; send the request again")
                late.loop.call_soon_threadsafe(_settle, late.future, unloaded)

    def _serve_until_stopped(self) -> None:
        predictor = self.loaded.predictor
        while True:
            first = self.requests.get()
            if first is None:
                return
            batch, stopping = self._take_batch(first)
            try:
                raw = predictor.forward([r.image for r in batch])
                results: list[Prediction | BaseException] = []
                for index, request in enumerate(batch):
                    results.append(predictor.decode(raw, index, request.size, request.options))
            except Exception as error:  # handed to each waiting request, which reports it
                results = [error] * len(batch)
            for request, result in zip(batch, results, strict=True):
                request.loop.call_soon_threadsafe(_settle, request.future, result)
            if stopping:
                return


def _settle(future: asyncio.Future[Prediction], result: Prediction | BaseException) -> None:
    if future.done():
        return  # the client went away
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


class ModelManager:
    """Loaded models by the id they were asked for (``project/version`` or a number)."""

    def __init__(self, ws: Workspace, *, max_batch: int = 8, max_bytes: int | None = None) -> None:
        self.ws = ws
        self.max_batch = max_batch
        self._served: dict[str, _Batcher] = {}
        self._loading: dict[str, asyncio.Future[_Batcher]] = {}
        budget = max_bytes if max_bytes is not None else int(ws.settings.loaded_models_mb * 1024**2)
        self._recent: SizedLru[str, None] = SizedLru(budget, lambda model_id, _: self._unload(model_id))

    def loaded(self) -> list[str]:
        """The loaded models' ids, least recently used first."""
        return self._recent.keys()

    def _footprint(self, loaded: LoadedModel) -> int:
        stored = self.ws.blobs.stat(loaded.model.weights_sha256)
        return stored.size if stored is not None else 0

    def registry(self) -> list[dict[str, Any]]:
        entries = []
        for model_id, batcher in self._served.items():
            height, width = batcher.loaded.predictor.input_hw
            entries.append(
                {
                    "model_id": model_id,
                    "task_type": "instance-segmentation",
                    "batch_size": self.max_batch,
                    "input_height": height,
                    "input_width": width,
                    "seglab_model_id": batcher.loaded.model.id,
                    "backend": batcher.loaded.backend,
                    "variants": [asdict(candidate) for candidate in batcher.loaded.variants],
                }
            )
        return entries

    async def add(self, model_id: str) -> LoadedModel:
        """Load ``model_id`` unless it is loaded; waits for a load already under way."""
        if model_id in self._served:
            self._recent.get(model_id)
            return self._served[model_id].loaded
        pending = self._loading.get(model_id)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._loading[model_id] = pending
            try:
                loaded = await asyncio.to_thread(load_model, self.ws, model_id)
                batcher = _Batcher(loaded, self.max_batch)
                batcher.start()
                self._served[model_id] = batcher
                self._recent.put(model_id, None, self._footprint(loaded))  # may unload the least recently used
                pending.set_result(batcher)
            except BaseException as error:
                pending.set_exception(error)
                raise
            finally:
                del self._loading[model_id]
                if pending.done() and not pending.cancelled():
                    pending.exception()  # retrieved: a failed load nobody else waited for is not "never retrieved"
            logger.info("model %s loaded (seglab model %s, %s)", model_id, loaded.model.id, loaded.backend)
        return (await asyncio.shield(pending)).loaded

    def remove(self, model_id: str) -> None:
        self._recent.pop(model_id)
        self._unload(model_id)

    def _unload(self, model_id: str) -> None:
        batcher = self._served.pop(model_id, None)
        if batcher is not None:
            batcher.stop()
            logger.info("model %s unloaded", model_id)

    def clear(self) -> None:
        for model_id in list(self._served):
            self.remove(model_id)

    async def predict(
        self,
        model_id: str,
        images: list[RgbImage],
        options: PredictOptions,
        sizes: list[tuple[int, int]] | None = None,
    ) -> list[Prediction]:
        """Predict on ``images`` (of original ``sizes``, default their own) with ``model_id`` (loading it first if
        needed), through its batching queue."""
        await self.add(model_id)
        batcher = self._served.get(model_id)
        if batcher is None:  # unloaded meanwhile
            raise UnavailableError(f"model {model_id} was unloaded while the request waited; send it again")
        loop = asyncio.get_running_loop()
        futures = []
        sizes = sizes or [(image.shape[1], image.shape[0]) for image in images]
        for image, size in zip(images, sizes, strict=True):
            future: asyncio.Future[Prediction] = loop.create_future()
            batcher.requests.put(_Request(image, size, options, loop, future))
            futures.append(future)
        return list(await asyncio.gather(*futures))
