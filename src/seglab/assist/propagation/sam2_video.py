"""SAM 2.1's video predictor behind the :class:`Propagator` protocol, in bounded memory.

``sam2``'s own ``init_state`` decodes the whole video into one tensor and its state keeps every frame's outputs,
so a long video runs out of memory. Here the frames stream through in chunks: each chunk is a fresh inference
state over at most ``chunk_frames`` frames (each held only as the network's input tensor, the video's own pixels
let go as read), conditioned on its first frame (the previous chunk's last) with the masks found there, and
dropped once its frames are yielded. What is held at any time is one chunk's frames and
outputs, however long the video; the chunk length comes from a memory budget. With ``offload`` the frames and the
state live in CPU memory and only the frame being worked on goes to the GPU (the library's own offload options).

``held_bytes`` / ``peak_held_bytes`` count the tensors held (frames, features, outputs): what the budget bounds.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from seglab.assist.catalog import AssistModel
from seglab.assist.prompts import RgbImage
from seglab.assist.propagation.base import Mask, TrackedMask

_BESIDE_ACTIVATIONS = 32 << 20
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


def _tensor_bytes(value: Any) -> int:
    """Bytes of every tensor in a nested state (dicts, lists, tuples), each storage counted once."""
    import torch

    seen: set[int] = set()
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            key = item.untyped_storage().data_ptr()
            if key not in seen:
                seen.add(key)
                total += item.untyped_storage().nbytes()
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return total


class Sam2Propagator:
    def __init__(
        self, predictor: Any, name: str, *, memory_budget_bytes: int = 2 << 30, max_chunk_frames: int = 64
    ) -> None:
        import torch

        self.predictor, self.name, self.torch = predictor, name, torch
        self.memory_budget_bytes = memory_budget_bytes
        self.max_chunk_frames = max_chunk_frames
        self.offload = predictor.device.type != "cpu"
        self.held_bytes = 0
        self.peak_held_bytes = 0
        self.chunks = 0
        """Inference states built so far (one per chunk)."""

    @classmethod
    def build(
        cls,
        model: AssistModel,
        weights: Path | None,
        *,
        memory_budget_bytes: int = 2 << 30,
        device: str | None = None,
        image_size: int | None = None,
    ) -> Sam2Propagator:
        """The model with ``weights`` (``None``: random weights, for tests); ``image_size`` overrides the model's
        input side (1024), which tests lower to run on a CPU in seconds."""
        import torch
        from sam2.build_sam import build_sam2_video_predictor

        chosen = device or ("cuda" if torch.cuda.is_available() else "cpu")
        overrides = [f"++model.image_size={image_size}"] if image_size else []
        predictor = build_sam2_video_predictor(
            model.config, ckpt_path=str(weights) if weights else None, device=chosen, hydra_overrides_extra=overrides
        )
        predictor.fill_hole_area = 0  # hole filling needs sam2's compiled extension, which pip does not build
        return cls(predictor, model.name, memory_budget_bytes=memory_budget_bytes)

    def frame_bytes(self, objects: int) -> int:
        """What one frame of a chunk holds: its input tensor and, per object, the outputs and memory kept."""
        side = int(self.predictor.image_size)
        image = 3 * side * side * 4
        per_object = (side // 4) ** 2 * 4 + 64 * (side // 16) ** 2 * 4 + 256 * 4 * 4
        return image + objects * per_object

    def features_bytes(self) -> int:
        """The image features of the frame being worked on (its feature pyramid and position encodings)."""
        side = int(self.predictor.image_size)
        return 2 * 4 * (32 * (side // 4) ** 2 + 64 * (side // 8) ** 2 + 256 * (side // 16) ** 2)

    def working_bytes(self) -> int:
        """What one frame's pass through the network holds while it runs (its activations): about 512 bytes per
        input pixel for Hiera-tiny (measured: ~0.5 GB at the 1024 side, benchmarks/video_propagation.py), plus what
        stays allocated beside them whatever the side (the CPU backend's scratch and caches, the allocator's slack:
        the process's memory ran ~25 MB over the rest of this estimate at the 224 side, tests/assist/
        test_sam2_video.py)."""
        side = int(self.predictor.image_size)
        return 512 * side * side + 2 * self.features_bytes() + _BESIDE_ACTIVATIONS

    def chunk_frames(self, objects: int) -> int:
        """Frames per chunk within the budget (at least 2: the conditioning frame and one more)."""
        room = self.memory_budget_bytes - self.working_bytes()
        fit = room // max(1, self.frame_bytes(objects) * 2)  # x2: room for the library's temporaries
        return int(max(2, min(self.max_chunk_frames, fit)))

    def _prepared(self, frame: RgbImage) -> Any:
        side = int(self.predictor.image_size)
        resized = cv2.resize(frame, (side, side), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
        normalised = (resized - _MEAN) / _STD
        tensor = self.torch.from_numpy(np.ascontiguousarray(normalised.transpose(2, 0, 1)))
        return tensor if self.offload else tensor.to(self.predictor.device)

    def _state(self, images: list[Any], height: int, width: int) -> dict[str, Any]:
        """What ``SAM2VideoPredictor.init_state`` builds, over frames already prepared (sam2 1.1's keys)."""
        device = self.predictor.device
        return {
            "images": images,
            "num_frames": len(images),
            "offload_video_to_cpu": self.offload,
            "offload_state_to_cpu": self.offload,
            "video_height": height,
            "video_width": width,
            "device": device,
            "storage_device": self.torch.device("cpu") if self.offload else device,
            "point_inputs_per_obj": {},
            "mask_inputs_per_obj": {},
            "cached_features": {},
            "constants": {},
            "obj_id_to_idx": OrderedDict(),
            "obj_idx_to_id": OrderedDict(),
            "obj_ids": [],
            "output_dict_per_obj": {},
            "temp_output_dict_per_obj": {},
            "frames_tracked_per_obj": {},
        }

    def _chunk(
        self, images: list[Any], height: int, width: int, masks: Mapping[int, Mask]
    ) -> Iterator[dict[int, TrackedMask]]:
        """The tracks found on each frame after the chunk's first; the state is this generator's alone, so it goes
        as soon as the chunk is done (before the next chunk's frames are read)."""
        state = self._state(images, height, width)
        self.chunks += 1
        for track, mask in masks.items():
            self.predictor.add_new_mask(state, frame_idx=0, obj_id=track, mask=mask)
        for index, tracks, logits in self.predictor.propagate_in_video(state):
            if index == 0:
                continue
            found = {}
            for track, scores in zip(tracks, logits, strict=True):
                mask = (scores[0] > 0).cpu().numpy()
                if mask.any():
                    confidence = float(self.torch.sigmoid(scores[0][scores[0] > 0]).mean())
                    found[int(track)] = TrackedMask(int(track), mask, confidence)
            self.held_bytes = _tensor_bytes(state)
            self.peak_held_bytes = max(self.peak_held_bytes, self.held_bytes)
            yield found

    def propagate(self, frames: Iterable[RgbImage], seeds: Mapping[int, Mask]) -> Iterator[dict[int, TrackedMask]]:
        stream = iter(frames)
        current = next(stream)
        height, width = current.shape[:2]
        masks = {track: mask for track, mask in seeds.items() if mask.any()}
        size = self.chunk_frames(max(1, len(masks)))
        with self.torch.inference_mode():
            while masks:
                # each frame is kept only as the network's input: the video's own pixels are let go as they are
                # read, but for the chunk's last frame, which conditions the next chunk
                images = [self._prepared(current)]
                for frame in islice(stream, size - 1):
                    images.append(self._prepared(frame))
                    current = frame
                if len(images) == 1:
                    return
                last: dict[int, TrackedMask] = {}
                for found in self._chunk(images, height, width, masks):
                    last = found
                    yield found
                del images
                masks = {track: tracked.mask for track, tracked in last.items()}
            for _ in stream:  # every track lost: the remaining frames have nothing
                yield {}
