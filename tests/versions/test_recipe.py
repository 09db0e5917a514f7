import pytest

from seglab.errors import InvalidInputError
from seglab.versions import Augmentation, Recipe, ResizeMode, parse_augmentations, parse_resize, parse_split
from seglab.versions.recipe import Preprocessing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("70,20,10", (0.7, 0.2, 0.1)),
        ("0.8,0.1,0.1", (0.8, 0.1, 0.1)),
        ("100,0,0", (1.0, 0.0, 0.0)),
        ("70,20", pytest.raises(InvalidInputError, match="three numbers")),
        ("a,b,c", pytest.raises(InvalidInputError, match="three numbers")),
        ("70,20,20", pytest.raises(InvalidInputError, match="sum to 1")),
    ],
)
def test_parse_split(text, expected):
    if isinstance(expected, tuple):
        assert parse_split(text).ratios == pytest.approx(expected)
    else:
        with expected:
            parse_split(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("640x640", (640, 640, ResizeMode.STRETCH)),
        ("640x480:fit", (640, 480, ResizeMode.FIT_BLACK)),
        ("320X320:fill", (320, 320, ResizeMode.FILL)),
        ("320x320:fit-reflect", (320, 320, ResizeMode.FIT_REFLECT)),
        ("640", pytest.raises(InvalidInputError, match="640x640:fit")),
        ("640x640:zoom", pytest.raises(InvalidInputError, match="modes: stretch")),
    ],
)
def test_parse_resize(text, expected):
    if isinstance(expected, tuple):
        resize = parse_resize(text)
        assert (resize.width, resize.height, resize.mode) == expected
    else:
        with expected:
            parse_resize(text)


def test_parse_augmentations():
    steps = parse_augmentations("flip=v, rotate=15,brightness,mosaic=100")
    assert [(s.name, s.value) for s in steps] == [
        (Augmentation.FLIP, "v"),
        (Augmentation.ROTATE, 15.0),
        (Augmentation.BRIGHTNESS, None),
        (Augmentation.MOSAIC, 100.0),
    ]
    with pytest.raises(InvalidInputError, match="unknown augmentation 'zoom'"):
        parse_augmentations("zoom")


def test_recipe_json_is_canonical_and_round_trips():
    recipe = Recipe(augmentations=parse_augmentations("flip,rotate=10"), multiplier=3, seed=7)
    assert Recipe.model_validate_json(recipe.model_dump_json()) == recipe
    assert recipe.canonical_json() == Recipe.model_validate(recipe.model_dump()).canonical_json()
    assert recipe.canonical_json() != Recipe(seed=8).canonical_json()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"auto_orient": False}, "auto_orient cannot be turned off"),
        ({"static_crop": (50, 0, 10, 100)}, "static_crop"),
        ({"tile": (0, 2)}, "tile must be at least 1x1"),
    ],
)
def test_invalid_preprocessing(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Preprocessing(**kwargs)


def test_later_options_leave_older_recipes_hashes_alone() -> None:
    """Versions made before an option existed (only_approved, evaluation_only) hash their recipe without it: off, it
    is not in the text."""
    import json

    from seglab.versions import Preprocessing, Recipe

    recipe = Recipe(preprocessing=Preprocessing(include_tags=("day",)))
    before_the_option = json.dumps(
        recipe.model_dump(mode="json", exclude={"preprocessing": {"only_approved"}, "split": {"evaluation_only"}}),
        sort_keys=True,
        separators=(",", ":"),
    )
    assert recipe.canonical_json() == before_the_option
    stored = Recipe.model_validate(json.loads(before_the_option))  # a version's stored recipe, read back
    assert stored.canonical_json() == before_the_option
    approved = Recipe(preprocessing=Preprocessing(include_tags=("day",), only_approved=True))
    assert '"only_approved":true' in approved.canonical_json()
