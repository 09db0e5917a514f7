"""SAM 3's tracker (``transformers``' ``Sam3TrackerVideoModel``) behind the :class:`Propagator` protocol.

The model runs in its streaming mode: one inference session, frames fed one at a time, so a video is never
decoded whole. Memory stays bounded however long the video: after each frame the session forgets the frames
already passed and every output older than the model's memory window (its ``num_maskmem`` mask memories and
``max_object_pointers_in_encoder`` object pointers), keeping only the conditioning keyframe. On a GPU the frames
and the state live in CPU memory (the session's storage devices) and only the frame being worked on is moved over.

Why the tracker and not ``Sam3VideoModel``: propagation starts from masks a person drew, which the tracker takes
as they are; ``Sam3VideoModel`` adds SAM 3's concept detector to find new objects on every frame, which would
propose objects nobody asked for. The same checkpoint (``facebook/sam3``) holds both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from seglab.assist.prompts import RgbImage
from seglab.assist.propagation.base import Mask, TrackedMask


class Sam3Propagator:
    name = "sam3"

    def __init__(self, model: Any, processor: Any) -> None:
        import torch

        self.model, self.processor, self.torch = model, processor, torch
        config = model.config
        self.window = max(int(config.num_maskmem), int(config.max_object_pointers_in_encoder))
        """Frames back the tracker still reads (its mask memories and object pointers); older ones are dropped."""
        self.peak_held_frames = 0
        """The most frames the session held at once (what the window bounds; tests read it)."""

    @classmethod
    def load(cls, folder: Path) -> Sam3Propagator:
        from transformers import Sam3TrackerVideoModel, Sam3TrackerVideoProcessor

        model: Any = Sam3TrackerVideoModel.from_pretrained(folder)
        if model.device.type == "cpu":
            import torch

            if torch.cuda.is_available():
                model = model.to("cuda")
        return cls(model.eval(), Sam3TrackerVideoProcessor.from_pretrained(folder))

    def _session(self, height: int, width: int) -> Any:
        device = self.model.device
        storage = "cpu"  # on a GPU the frames and state wait in CPU memory; on a CPU that is where they are anyway
        session = self.processor.init_video_session(
            inference_device=device, inference_state_device=storage, video_storage_device=storage
        )
        session.video_height, session.video_width = height, width
        return session

    def _pixels(self, frame: RgbImage) -> Any:
        return self.processor(images=np.asarray(frame), return_tensors="pt").pixel_values[0]

    @staticmethod
    def _flat_pointers(session: Any, frame_index: int) -> None:
        """Object pointers stored as ``(batch, channels)``, as the tracker reads them back: transformers 5 stores
        a mask prompt's pointer, and a tracked frame's, with an extra axis, which breaks stacking them."""
        for outputs in session.output_dict_per_obj.values():
            for kind in ("cond_frame_outputs", "non_cond_frame_outputs"):
                stored = outputs[kind].get(frame_index)
                if stored is not None and stored["object_pointer"].dim() > 2:
                    pointer = stored["object_pointer"]
                    stored["object_pointer"] = pointer.reshape(-1, pointer.shape[-1])

    def _forget(self, session: Any, frame_index: int) -> None:
        """Drop what the tracker will not read again: frames before this one, outputs older than its window."""
        for index in [i for i in session.processed_frames if i < frame_index]:
            del session.processed_frames[index]
        oldest = frame_index - self.window
        for obj_idx, outputs in session.output_dict_per_obj.items():
            for index in [i for i in outputs["non_cond_frame_outputs"] if i < oldest]:
                del outputs["non_cond_frame_outputs"][index]
            tracked = session.frames_tracked_per_obj.get(obj_idx, {})
            for index in [i for i in tracked if i < oldest]:
                del tracked[index]

    def _found(self, output: Any, height: int, width: int) -> dict[int, TrackedMask]:
        logits = self.processor.post_process_masks([output.pred_masks], [[height, width]], binarize=False)[0]
        found = {}
        for row, track in enumerate(output.object_ids):
            scores = logits[row, 0]
            mask = (scores > 0).cpu().numpy()
            if mask.any():
                found[int(track)] = TrackedMask(int(track), mask, float(self.torch.sigmoid(scores[scores > 0]).mean()))
        return found

    def propagate(self, frames: Iterable[RgbImage], seeds: Mapping[int, Mask]) -> Iterator[dict[int, TrackedMask]]:
        stream = iter(frames)
        keyframe = next(stream)
        masks = {track: mask for track, mask in seeds.items() if mask.any()}
        if not masks:
            for _ in stream:
                yield {}
            return
        height, width = keyframe.shape[:2]
        session = self._session(height, width)
        with self.torch.inference_mode():
            self.processor.add_inputs_to_inference_session(
                session, frame_idx=0, obj_ids=list(masks), input_masks=list(masks.values())
            )
            self.model(inference_session=session, frame=self._pixels(keyframe), frame_idx=0)
            self._flat_pointers(session, 0)
            for index, frame in enumerate(stream, start=1):
                output = self.model(inference_session=session, frame=self._pixels(frame), frame_idx=index)
                self._flat_pointers(session, index)
                self._forget(session, index)
                self.peak_held_frames = max(self.peak_held_frames, self._held_frames(session))
                yield self._found(output, height, width)

    @staticmethod
    def _held_frames(session: Any) -> int:
        """Frames with something kept: decoded frames, and outputs of any object."""
        indices = set(session.processed_frames)
        for outputs in session.output_dict_per_obj.values():
            indices |= set(outputs["cond_frame_outputs"]) | set(outputs["non_cond_frame_outputs"])
        return len(indices)
