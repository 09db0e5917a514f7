"""Which runtime embeds images for a SAM 2.1 model, and moving it there without making anyone wait.

At a model's first use a background thread finds its exported encoder (:mod:`seglab.assist.encoder_export`) or
exports, quantizes and checks one (a minute or more on a CPU). Meanwhile PyTorch embeds the images, and it goes on
doing so if the export fails (with a warning in the log), so Smart Polygon neither waits for the export nor breaks
over it. Then ``SEGLAB_SAM_ENCODER`` decides: ``torch`` never exports; ``onnx`` and ``onnx-int8`` run that file even
if the check found it worse; ``auto`` runs the fastest runtime, as measured at export, among PyTorch and the exports
whose masks matched (``SEGLAB_SAM_ENCODER_MIN_IOU``). The embedding has the same arrays whichever runs, so the
decoders (server and browser) and the embedding cache are unchanged. Each model's state ("torch: quantizing to INT8
(2/3)", "onnx-int8: fastest whose masks matched ...") is what ``seglab assist models`` and
``GET /api/v1/assist/models`` show.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from seglab.assist.encoder_export import EncoderCheck, OnnxEncoder, load_check, prepare_encoder
from seglab.assist.prompts import Segmenter
from seglab.assist.sam import Sam2Segmenter

log = logging.getLogger(__name__)

EncoderSetting = Literal["auto", "torch", "onnx", "onnx-int8"]


@dataclass(frozen=True)
class EncoderStatus:
    runtime: str
    """What embeds the model's images now: ``torch``, ``onnx`` or ``onnx-int8``."""
    note: str
    """Why, or what is under way."""


def choose(check: EncoderCheck, setting: EncoderSetting, min_iou: float) -> tuple[str, str]:
    """The runtime ``setting`` asks for given what the export's check measured, and why (one line)."""
    onnx_ok = check.onnx_iou >= min_iou
    int8_ok = onnx_ok and check.int8_iou >= min_iou
    measured = (
        f"worst mask IoU: ONNX vs PyTorch {check.onnx_iou:.4f}, INT8 vs ONNX {check.int8_iou:.4f} "
        f"(needs {min_iou}); s/image: " + ", ".join(f"{name} {seconds}" for name, seconds in check.seconds.items())
    )
    if setting == "torch":
        return "torch", "SEGLAB_SAM_ENCODER=torch"
    if setting != "auto":
        passed = int8_ok if setting == "onnx-int8" else onnx_ok
        if not passed:
            log.warning("SEGLAB_SAM_ENCODER=%s runs an encoder whose masks did not match: %s", setting, measured)
        return setting, f"SEGLAB_SAM_ENCODER={setting}{'' if passed else ' (failed the check)'}; {measured}"
    passing = ["torch", *(["onnx"] if onnx_ok else []), *(["onnx-int8"] if int8_ok else [])]
    fastest = min(passing, key=lambda name: check.seconds.get(name, float("inf")))
    refused = "" if int8_ok else "; INT8 refused"
    return fastest, f"auto: the fastest whose masks matched{refused}; {measured}"


def _file_identity(path: Path) -> list[object]:
    """A checkpoint as seen from outside (hashing one takes seconds): its absolute path, size and time."""
    status = path.stat()
    return [str(path.resolve()), status.st_size, status.st_mtime_ns]


class EncoderSwitch:
    """One per :class:`seglab.assist.SmartPolygon`: the state of each model's encoder, and the exports under way."""

    def __init__(
        self, folder: Path, setting: EncoderSetting, min_iou: float, *, threads: int = 0, scenes: int = 3
    ) -> None:
        self.folder = folder
        self.setting = setting
        self.min_iou = min_iou
        self.threads = threads
        self.scenes = scenes
        self._status: dict[str, EncoderStatus] = {}
        self._settled: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def attach(self, segmenter: Segmenter, weights: Path | None = None) -> None:
        """Move ``segmenter``'s image encoder to the chosen runtime, in the background (SAM 2.1 models only: the
        others stay as they are); ``weights``, its checkpoint, is remembered for :meth:`recorded`."""
        if not isinstance(segmenter, Sam2Segmenter):
            return
        if self.setting == "torch":
            self._set(segmenter.name, EncoderStatus("torch", "SEGLAB_SAM_ENCODER=torch"), settled=True)
            return
        self._set(segmenter.name, EncoderStatus("torch", "looking for the ONNX export; PyTorch until then"))
        threading.Thread(
            target=self._prepare, args=(segmenter, weights), name=f"encoder-export-{segmenter.name}", daemon=True
        ).start()

    def recorded(self, name: str, weights: Path) -> EncoderStatus | None:
        """What the model would run, from the check of the export last made of the checkpoint ``weights`` (for
        listing models in a process that has not loaded it; ``None``: no export of that file yet)."""
        if self.setting == "torch":
            return EncoderStatus("torch", "SEGLAB_SAM_ENCODER=torch")
        try:
            remembered = json.loads((self.folder / name / "weights.json").read_text())
            if remembered["file"] != _file_identity(weights):
                return None
        except (OSError, ValueError, KeyError):
            return None
        files = load_check(self.folder / name / remembered["digest"])
        if files is None:
            return None
        runtime, reason = choose(files.check, self.setting, self.min_iou)
        return EncoderStatus(runtime, f"when loaded; {reason}")

    def _remember(self, name: str, weights: Path, digest: str) -> None:
        record = {"file": _file_identity(weights), "digest": digest}
        target = self.folder / name / "weights.json"
        partial = target.with_name(f"weights.{threading.get_ident()}.partial.json")
        partial.write_text(json.dumps(record))
        partial.replace(target)

    def _prepare(self, segmenter: Sam2Segmenter, weights: Path | None) -> None:
        name = segmenter.name

        def progress(step: str) -> None:
            log.info("%s's image encoder: %s", name, step)
            self._set(name, EncoderStatus("torch", f"{step}; PyTorch until then"))

        try:
            files = prepare_encoder(
                segmenter,
                self.folder / name,
                min_iou=self.min_iou,
                scenes=self.scenes,
                threads=self.threads,
                progress=progress,
            )
            if weights is not None:
                self._remember(name, weights, files.check.digest)
            runtime, reason = choose(files.check, self.setting, self.min_iou)
            if runtime != "torch":
                segmenter.encoder = OnnxEncoder(files.path(runtime), runtime, threads=self.threads)
            status = EncoderStatus(runtime, reason)
            log.info("%s embeds images with %s: %s", name, runtime, reason)
        except Exception as error:  # whatever broke the export, Smart Polygon goes on with PyTorch
            log.warning("%s's image encoder stays on PyTorch: its ONNX export failed: %s", name, error, exc_info=True)
            status = EncoderStatus("torch", f"ONNX export failed ({type(error).__name__}: {error}); PyTorch")
        self._set(name, status, settled=True)

    def _set(self, name: str, status: EncoderStatus, *, settled: bool = False) -> None:
        with self._lock:
            self._status[name] = status
            event = self._settled.setdefault(name, threading.Event())
        if settled:
            event.set()

    def status(self, name: str) -> EncoderStatus | None:
        """The model's encoder now (``None``: not loaded yet)."""
        with self._lock:
            return self._status.get(name)

    def wait(self, name: str, timeout: float | None = None) -> EncoderStatus | None:
        """The model's encoder once the choice is made (or ``timeout`` seconds have passed)."""
        with self._lock:
            event = self._settled.get(name)
        if event is not None:
            event.wait(timeout)
        return self.status(name)
