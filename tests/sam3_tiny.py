"""Tiny random-weight SAM 3: the real ``transformers`` architectures (``Sam3Model`` for concepts,
``Sam3TrackerModel`` for clicks) and processors, small enough to build in a second, because the checkpoint cannot
be downloaded here (it is gated, and there is no network).

The concept model's tokenizer is CLIP's byte-level BPE tokenizer built in memory with the 256 byte symbols and no
merges (every character a token), as the tiny OWLv2's. Saved with ``save_pretrained``, each is a Hugging Face
model folder: what ``--detector-weights`` / ``SEGLAB_AUTOLABEL_WEIGHTS`` and ``SEGLAB_ASSIST_WEIGHTS`` take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .tiny_clip_tokenizer import tiny_clip_tokenizer

SIDE, PATCH = 112, 14
"""The tiny networks' input (the real one's is 1008) and patch: an 8x8 grid, masks at 32x32."""
QUERIES = 10


def _vision() -> dict[str, Any]:
    grid = SIDE // PATCH
    backbone = {
        "model_type": "sam3_vit_model",
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "image_size": SIDE,
        "patch_size": PATCH,
        "window_size": 4,
        "global_attn_indexes": [1],
        "pretrain_image_size": SIDE,
    }
    sizes = [[4 * grid, 4 * grid], [2 * grid, 2 * grid], [grid, grid]]
    return {"backbone_config": backbone, "fpn_hidden_size": 32, "backbone_feature_sizes": sizes}


def _image_processor() -> Any:
    from transformers import Sam3ImageProcessor

    mask_side = 4 * (SIDE // PATCH)
    return Sam3ImageProcessor(size={"height": SIDE, "width": SIDE}, mask_size={"height": mask_side, "width": mask_side})


def tiny_sam3_concepts(folder: Path) -> Path:
    import torch
    from transformers import Sam3Config, Sam3Model, Sam3Processor

    clip = tiny_clip_tokenizer(32)
    tokenizer = clip.tokenizer
    small = {"hidden_size": 32, "num_layers": 1, "num_attention_heads": 2, "intermediate_size": 64}
    config = Sam3Config(
        vision_config=_vision(),
        text_config={
            "vocab_size": clip.vocab_size,
            "hidden_size": 32,
            "intermediate_size": 64,
            "projection_dim": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "max_position_embeddings": 32,
            "bos_token_id": clip.start,
            "eos_token_id": clip.end,
            "pad_token_id": clip.end,
        },
        geometry_encoder_config=small,
        detr_encoder_config=small,
        detr_decoder_config={**small, "num_queries": QUERIES},
        mask_decoder_config={"hidden_size": 32, "num_attention_heads": 2},
    )
    torch.manual_seed(0)
    Sam3Model(config).save_pretrained(folder)
    Sam3Processor(image_processor=_image_processor(), tokenizer=tokenizer).save_pretrained(folder)
    return folder


def tiny_sam3_tracker(folder: Path) -> Path:
    import torch
    from transformers import Sam3TrackerConfig, Sam3TrackerModel, Sam3TrackerProcessor

    config = Sam3TrackerConfig(
        vision_config=_vision(),
        prompt_encoder_config={"hidden_size": 32, "image_size": SIDE, "patch_size": PATCH},
        mask_decoder_config={"hidden_size": 32, "mlp_dim": 64, "num_attention_heads": 2, "iou_head_hidden_dim": 32},
    )
    torch.manual_seed(0)
    Sam3TrackerModel(config).save_pretrained(folder)
    Sam3TrackerProcessor(image_processor=_image_processor()).save_pretrained(folder)
    return folder


def tiny_sam3_tracker_video(folder: Path, *, window: int = 4) -> Path:
    """SAM 3's tracker through video (``Sam3TrackerVideoModel``) with its memory window cut to ``window`` frames
    (mask memories and object pointers), so a short clip shows what is dropped. Its memory path is 64 channels
    wide in the architecture, so the tracker's own width is 64 here. Random weights would call every object gone
    (a negative object score), which leaves no mask to follow: the score head's last bias is set high instead."""
    import torch
    from transformers import Sam3TrackerVideoConfig, Sam3TrackerVideoModel, Sam3TrackerVideoProcessor
    from transformers.models.sam2_video.video_processing_sam2_video import Sam2VideoVideoProcessor

    wide = 64
    config = Sam3TrackerVideoConfig(
        vision_config={**_vision(), "fpn_hidden_size": wide},
        prompt_encoder_config={"hidden_size": wide, "image_size": SIDE, "patch_size": PATCH},
        mask_decoder_config={"hidden_size": wide, "mlp_dim": 64, "num_attention_heads": 2, "iou_head_hidden_dim": 32},
        image_size=SIDE,
        num_maskmem=window,
        max_object_pointers_in_encoder=window,
        memory_attention_hidden_size=wide,
        memory_attention_num_layers=1,
        memory_attention_feed_forward_hidden_size=64,
        memory_encoder_hidden_size=wide,
        mask_downsampler_embed_dim=wide,
        memory_fuser_embed_dim=wide,
        memory_fuser_intermediate_dim=64,
        memory_fuser_num_layers=1,
    )
    torch.manual_seed(0)
    model = Sam3TrackerVideoModel(config)
    with torch.no_grad():
        model.mask_decoder.pred_obj_score_head.proj_out.bias.fill_(10.0)
    model.save_pretrained(folder)
    video = Sam2VideoVideoProcessor(size={"height": SIDE, "width": SIDE})
    Sam3TrackerVideoProcessor(image_processor=_image_processor(), video_processor=video).save_pretrained(folder)
    return folder
