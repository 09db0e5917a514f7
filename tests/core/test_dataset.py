import numpy as np
import pytest
import supervision as sv

from seglab.core import (
    Annotation,
    Annotations,
    Category,
    Dataset,
    ImageRecord,
    Split,
    dataset_to_detections,
)
from seglab.geometry import MultiPolygon, Rle


def _square(x: float, y: float, size: float) -> MultiPolygon:
    return MultiPolygon.from_coco([[x, y, x + size, y, x + size, y + size, x, y + size]])


@pytest.fixture
def dataset() -> Dataset:
    categories = [Category(1, "cat"), Category(2, "dog")]
    images = [
        ImageRecord(10, "a.jpg", 100, 80, split=Split.TRAIN, tags=("day",)),
        ImageRecord(11, "b.jpg", 100, 80, split=Split.VALID),
        ImageRecord(12, "c.jpg", 100, 80, split=Split.TRAIN, tags=("night",)),
    ]
    annotations = [
        Annotation(1, 10, 1, _square(0, 0, 10)),
        Annotation(2, 11, 2, _square(5, 5, 20), confidence=0.9, source="model:7"),
        Annotation(3, 10, 2, _square(50, 20, 30)),
        Annotation(4, 11, 1, Rle.from_mask(np.pad(np.ones((2, 3), dtype=bool), ((0, 78), (0, 97))))),
    ]
    return Dataset(categories, images, annotations)


def test_lookups_and_counts(dataset):
    assert len(dataset) == 3
    assert dataset.image(11).file_name == "b.jpg"
    assert dataset.category(2).name == "dog"
    assert dataset.annotations_of(10).id.tolist() == [1, 3]
    assert len(dataset.annotations_of(12)) == 0
    assert dataset.split_counts() == {Split.TRAIN: 2, Split.VALID: 1}
    assert dataset.annotation_counts() == {1: 2, 2: 2}


def test_unknown_ids_raise_key_errors_naming_them(dataset):
    with pytest.raises(KeyError, match="image 99"):
        dataset.annotations_of(99)
    with pytest.raises(KeyError, match="category 5"):
        dataset.category(5)


def test_indexing_selects_images_with_their_annotations(dataset):
    assert dataset[0].id == 10
    first_two = dataset[:2]
    assert isinstance(first_two, Dataset)
    assert [image.id for image in first_two] == [10, 11]
    assert sorted(first_two.annotations.id.tolist()) == [1, 2, 3, 4]
    assert dataset[np.array([False, False, True])].annotations.id.tolist() == []
    assert [image.id for image in dataset[[2, 0]]] == [12, 10]


def test_annotation_columns_filter_and_chain(dataset):
    annotations = dataset.annotations
    dogs = annotations[annotations.category_id == 2]
    assert isinstance(dogs, Annotations)
    assert dogs.id.tolist() == [2, 3]
    assert dogs[dogs.area > 500].id.tolist() == [3]
    np.testing.assert_array_equal(annotations.area, [100, 400, 900, 6])
    assert np.isnan(annotations.confidence[0])
    assert annotations.filter(min_confidence=0.95).id.tolist() == [1, 3, 4]  # human ones have no confidence
    assert annotations.filter(sources=["model:7"]).id.tolist() == [2]
    assert annotations.filter(category_ids=[1], image_ids=[11]).id.tolist() == [4]


def test_bad_index_types(dataset):
    with pytest.raises(IndexError, match="boolean index"):
        dataset.annotations[np.array([True])]
    with pytest.raises(IndexError, match="int/bool array"):
        dataset.annotations[np.array([0.5])]


def test_filter_by_split_tag_and_category(dataset):
    assert [image.id for image in dataset.split("train")] == [10, 12]
    assert [image.id for image in dataset.filter(tags=["night"])] == [12]
    cats_only = dataset.filter(category_ids=[1])
    assert len(cats_only) == 3  # images without cats stay as negatives
    assert [c.name for c in cats_only.categories] == ["cat"]
    assert cats_only.annotations.id.tolist() == [1, 4]


def test_masks_are_produced_on_demand(dataset):
    masks = dataset.masks(10)
    assert masks.shape == (2, 80, 100)
    assert masks[0].sum() == 100
    assert masks[1].sum() == 900


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        ([Annotation(1, 99, 1, _square(0, 0, 5))], "annotation 1: image 99 does not exist"),
        ([Annotation(1, 10, 7, _square(0, 0, 5))], "annotation 1: category 7 does not exist"),
        (
            [Annotation(1, 10, 1, _square(0, 0, 5)), Annotation(1, 10, 1, _square(0, 0, 5))],
            r"duplicate annotation ids: \[1\]",
        ),
        ([Annotation(1, 10, 1, Rle.from_mask(np.ones((5, 5), dtype=bool)))], "RLE is 5x5 but image 10"),
    ],
)
def test_inconsistent_datasets_are_rejected(annotations, message):
    with pytest.raises(ValueError, match=message):
        Dataset([Category(1, "cat")], [ImageRecord(10, "a.jpg", 100, 80)], annotations)


def test_duplicate_image_ids_are_rejected():
    with pytest.raises(ValueError, match="duplicate image ids"):
        Dataset([], [ImageRecord(1, "a.jpg", 1, 1), ImageRecord(1, "b.jpg", 1, 1)])


def test_to_supervision_detections(dataset):
    detections = dataset_to_detections(dataset, 11)
    assert isinstance(detections, sv.Detections)
    assert len(detections) == 2
    np.testing.assert_array_equal(detections.class_id, [2, 1])
    assert detections.confidence is None  # one of the two is a human annotation
    assert detections.mask is not None
    assert detections.mask.shape == (2, 80, 100)
    np.testing.assert_array_equal(detections.data["class_name"], ["dog", "cat"])
    np.testing.assert_array_equal(detections.xyxy[0], [5, 5, 25, 25])
    assert detections.area.tolist() == [400, 6]
    # the detections feed supervision's annotators directly
    scene = np.zeros((80, 100, 3), dtype=np.uint8)
    drawn = sv.MaskAnnotator().annotate(scene.copy(), detections)
    assert drawn[10, 10].any()
    assert not drawn[70, 90].any()


def test_detections_of_empty_image(dataset):
    detections = dataset_to_detections(dataset, 12)
    assert len(detections) == 0
    assert detections.mask is not None
    assert detections.mask.shape == (0, 80, 100)
