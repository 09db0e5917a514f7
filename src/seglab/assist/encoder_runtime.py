"""Which runtime embeds images for a SAM 2.1 model, and moving it there without making anyone wait.

When a model is loaded, the export of its checkpoint (:mod:`seglab.assist.encoder_export`) is looked up: made
ahead by ``seglab assist prepare-encoder``, or by an earlier process. If there is none, a long-lived process
(``seglab serve``, ``seglab worker``) starts one in a low-priority child process (:mod:`.encoder_child`), while
PyTorch embeds the images; a one-shot command does not (it would end first) and uses PyTorch. PyTorch also goes on
if the export fails (with a warning in the log), so Smart Polygon neither waits for the export nor breaks over it.
Then ``SEGLAB_SAM_ENCODER`` decides: ``torch`` never exports; ``onnx`` and ``onnx-int8`` run that file even if the
check found it worse; ``auto`` runs the fastest runtime, as measured at export, among PyTorch and the exports whose
masks matched (``SEGLAB_SAM_ENCODER_MIN_IOU``). The embedding has the same arrays whichever runs, so the decoders
(server and browser) and the embedding cache are unchanged. Each model's state ("torch: quantizing to INT8 (2/3),
in the background", "onnx-int8: auto: the fastest whose masks matched ...") is what ``seglab assist models`` and
``GET /api/v1/assist/models`` show.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from seglab import atomic
from seglab.assist.encoder_child import run_export
from seglab.assist.encoder_export import (
    EncoderCheck,
    EncoderFiles,
    OnnxEncoder,
    Progress,
    load_check,
    prepare_encoder,
    weights_digest,
)
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
        self,
        folder: Path,
        setting: EncoderSetting,
        min_iou: float,
        *,
        threads: int = 0,
        scenes: int = 3,
        background_export: bool = False,
    ) -> None:
        self.folder = folder
        self.setting = setting
        self.min_iou = min_iou
        self.threads = threads
        self.scenes = scenes
        self.background_export = background_export
        """Export a model without one in a low-priority child process (long-lived processes only: a one-shot
        command would end before it and only slow itself down)."""
        self._status: dict[str, EncoderStatus] = {}
        self._settled: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def attach(self, segmenter: Segmenter, weights: Path | None = None) -> None:
        """Move ``segmenter``'s image encoder to the chosen runtime (SAM 2.1 models only: the others stay as they
        are): at once if its checkpoint ``weights`` was exported before, else, in a long-lived process, once a
        background export is done; PyTorch embeds the images meanwhile."""
        if not isinstance(segmenter, Sam2Segmenter):
            return
        name = segmenter.name
        if self.setting == "torch":
            self._set(name, EncoderStatus("torch", "SEGLAB_SAM_ENCODER=torch"), settled=True)
            return
        try:
            files = self._exported(segmenter, weights)
            if files is not None:
                self._set(name, self._switch(segmenter, files), settled=True)
                return
        except Exception as error:  # an export that cannot be read or loaded: Smart Polygon goes on with PyTorch
            log.warning("%s's image encoder stays on PyTorch: its ONNX export did not load: %s", name, error)
            note = f"the ONNX export did not load ({type(error).__name__}: {error}); PyTorch"
            self._set(name, EncoderStatus("torch", note), settled=True)
            return
        if self.background_export and weights is not None:
            self._set(name, EncoderStatus("torch", "exporting to ONNX in the background; PyTorch until then"))
            threading.Thread(
                target=self._export, args=(segmenter, weights), name=f"encoder-export-{name}", daemon=True
            ).start()
        else:
            note = f"no ONNX export of these weights yet (`seglab assist prepare-encoder {name}` makes one); PyTorch"
            self._set(name, EncoderStatus("torch", note), settled=True)

    def prepare(self, segmenter: Sam2Segmenter, weights: Path | None, progress: Progress) -> tuple[EncoderFiles, str]:
        """Export, quantize and check ``segmenter``'s encoder now unless done before (``seglab assist
        prepare-encoder``): the files, and what ``SEGLAB_SAM_ENCODER`` would run with them and why."""
        files = prepare_encoder(
            segmenter,
            self.folder / segmenter.name,
            min_iou=self.min_iou,
            scenes=self.scenes,
            threads=self.threads,
            progress=progress,
        )
        if weights is not None:
            self._remember(segmenter.name, weights, files.check.digest)
        runtime, reason = choose(files.check, self.setting, self.min_iou)
        return files, f"{runtime}: {reason}"

    def recorded(self, name: str, weights: Path) -> EncoderStatus | None:
        """What the model would run, from the check of the export last made of the checkpoint ``weights`` (for
        listing models in a process that has not loaded it; ``None``: no export of that file yet)."""
        if self.setting == "torch":
            return EncoderStatus("torch", "SEGLAB_SAM_ENCODER=torch")
        files = self._recorded_files(name, weights)
        if files is None:
            return None
        runtime, reason = choose(files.check, self.setting, self.min_iou)
        return EncoderStatus(runtime, f"when loaded; {reason}")

    def _recorded_files(self, name: str, weights: Path) -> EncoderFiles | None:
        """The export of the checkpoint ``weights`` remembered by its path, size and time (no hashing)."""
        try:
            remembered = json.loads((self.folder / name / "weights.json").read_text())
            if remembered["file"] != _file_identity(weights):
                return None
        except (OSError, ValueError, KeyError):
            return None
        return load_check(self.folder / name / remembered["digest"])

    def _exported(self, segmenter: Sam2Segmenter, weights: Path | None) -> EncoderFiles | None:
        """The finished export of these weights: remembered for the checkpoint file, else found by their digest
        (a second of hashing; then remembered)."""
        if weights is not None and (files := self._recorded_files(segmenter.name, weights)) is not None:
            return files
        digest = weights_digest(segmenter)
        files = load_check(self.folder / segmenter.name / digest)
        if files is not None and weights is not None:
            with contextlib.suppress(OSError):
                self._remember(segmenter.name, weights, digest)
        return files

    def _switch(self, segmenter: Sam2Segmenter, files: EncoderFiles) -> EncoderStatus:
        runtime, reason = choose(files.check, self.setting, self.min_iou)
        if runtime != "torch":
            segmenter.encoder = OnnxEncoder(files.path(runtime), runtime, threads=self.threads)
        log.info("%s embeds images with %s: %s", segmenter.name, runtime, reason)
        return EncoderStatus(runtime, reason)

    def _remember(self, name: str, weights: Path, digest: str) -> None:
        record = {"file": _file_identity(weights), "digest": digest}
        atomic.write_text(self.folder / name / "weights.json", json.dumps(record))

    def _export(self, segmenter: Sam2Segmenter, weights: Path) -> None:
        """Export in a child process at the lowest priority with one thread (so interactive requests keep the
        cores), following its progress; then switch if the export passed."""
        name = segmenter.name
        try:
            lines = run_export(name, weights, self.folder, self.min_iou, self.scenes)
            for step in lines:
                log.info("%s's image encoder: %s", name, step)
                self._set(name, EncoderStatus("torch", f"{step}, in the background; PyTorch until then"))
            files = self._recorded_files(name, weights)
            if files is None:
                raise RuntimeError("the export process ended without recording an export")
            status = self._switch(segmenter, files)
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
