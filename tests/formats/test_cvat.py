"""CVAT for images 1.1 XML: a hand-written file as CVAT exports it, our own output, hostile XML."""

import zipfile

import numpy as np
import pytest

from seglab.core import Split
from seglab.formats import FormatError, Severity, detect_format, load_cvat, load_dataset, save_cvat

from .conftest import HEIGHT, WIDTH, assert_same_instances, write_image

# the mask: a 3x2 box at left=10, top=40 holding rows "011" and "110", i.e. 0 1 1 1 1 0 row by row,
# which CVAT writes as runs starting with background: 1, 4, 1
CVAT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <name>fruit</name>
      <labels>
        <label><name>apple</name><color>#ff0000</color><type>any</type>
          <attributes><attribute><name>ripe</name><mutable>False</mutable><input_type>checkbox</input_type>
            <default_value>false</default_value><values>false\ntrue</values></attribute></attributes>
        </label>
        <label><name>pear</name><color>#00ff00</color><type>any</type><attributes/></label>
      </labels>
    </task>
  </meta>
  <image id="0" name="a.png" width="96" height="64" subset="Train">
    <polygon label="apple" occluded="1" points="5.00,5.00;25.00,5.00;25.00,25.00;5.00,25.00" z_order="2">
      <attribute name="ripe">true</attribute>
    </polygon>
    <box label="pear" source="manual" occluded="0" xtl="40" ytl="10" xbr="60" ybr="30" z_order="0"/>
    <mask label="pear" source="manual" occluded="0" rle="1, 4, 1" left="10" top="40" width="3" height="2" z_order="0"/>
    <polygon label="apple" source="manual" occluded="0" points="70,40;80,40;80,50" group_id="3" z_order="0"/>
    <polygon label="apple" source="manual" occluded="0" points="85,40;95,40;95,50" group_id="3" z_order="0"/>
    <polyline label="apple" source="manual" occluded="0" points="1,1;9,9" z_order="0"/>
  </image>
</annotations>
"""


@pytest.fixture
def cvat_folder(tmp_path):
    write_image(tmp_path / "cvat/images/a.png")
    (tmp_path / "cvat/annotations.xml").write_text(CVAT_XML)
    return tmp_path / "cvat"


def test_reads_polygons_boxes_masks_groups_and_attributes(cvat_folder):
    assert detect_format(cvat_folder) == ("cvat", cvat_folder)
    assert detect_format(cvat_folder / "annotations.xml") == ("cvat", cvat_folder / "annotations.xml")
    result = load_cvat(cvat_folder)
    assert [(p.severity, p.location) for p in result.problems] == [(Severity.ERROR, "image 0, <polyline> 5")]
    dataset = result.dataset
    assert [(c.id, c.name, c.color) for c in dataset.categories] == [(1, "apple", "#ff0000"), (2, "pear", "#00ff00")]
    assert dataset.images[0].split is Split.TRAIN
    square, box, mask, grouped = dataset.annotations
    assert square.attributes == {"ripe": "true", "occluded": True, "z_order": 2}
    assert square.area == 400
    assert box.area == 400
    assert len(grouped.segmentation) == 2  # two polygons sharing group_id 3: one instance in two parts
    expected = np.zeros((HEIGHT, WIDTH), dtype=bool)
    expected[40, 11:13] = True
    expected[41, 10:12] = True
    np.testing.assert_array_equal(mask.segmentation.to_mask(), expected)


def test_round_trip_is_pixel_exact_with_holes_parts_and_attributes(sample, tmp_path):
    annotated = sample.annotations
    assert save_cvat(sample, tmp_path / "out") == []
    loaded = load_cvat(tmp_path / "out")
    assert loaded.problems == []
    assert_same_instances(sample, loaded.dataset, min_iou=1.0)
    assert [a.iscrowd for a in loaded.dataset.annotations] == [a.iscrowd for a in annotated]
    assert {i.file_name: i.split for i in loaded.dataset.images} == {i.file_name: i.split for i in sample.images}
    text = (tmp_path / "out/annotations.xml").read_text()
    assert text.count("<mask ") == 2  # the ring with a hole and the crowd
    assert 'group_id="3"' in text


def test_occluded_z_order_and_attributes_survive_writing(cvat_folder, tmp_path):
    dataset = load_cvat(cvat_folder).dataset
    save_cvat(dataset, tmp_path / "again")
    again = load_cvat(tmp_path / "again").dataset
    assert [a.attributes for a in again.annotations] == [a.attributes for a in dataset.annotations]
    assert_same_instances(dataset, again, min_iou=1.0)


def test_a_zip_as_cvat_exports_it(cvat_folder, tmp_path):
    archive = tmp_path / "task.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(cvat_folder / "annotations.xml", "annotations.xml")
        zipped.write(cvat_folder / "images/a.png", "images/a.png")
    result = load_dataset(archive, workdir=tmp_path / "work")
    assert (result.format, len(result.dataset.annotations)) == ("cvat", 4)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            "<annotations>&lol2;</annotations>",
            "refused",
        ),
        ("<annotations><image id='0' name='a.png'", "malformed XML"),
        ("<dataset/>", "not a CVAT XML file"),
    ],
)
def test_hostile_or_broken_xml_is_a_located_error(tmp_path, xml, message):
    (tmp_path / "annotations.xml").write_text(xml)
    with pytest.raises(FormatError, match=message):
        load_cvat(tmp_path)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ('<mask label="pear" rle="1, 4" left="10" top="40" width="3" height="2"/>', "counts sum to 5"),
        ('<mask label="pear" rle="6" left="94" top="40" width="3" height="2"/>', "outside the 96x64 image"),
        ('<polygon label="pear" points="1,1;2"/>', "'points' must be"),
        ('<polygon label="" points="1,1;5,1;5,5"/>', "without a label"),
    ],
)
def test_bad_shapes_are_skipped_and_located(tmp_path, shape, message):
    write_image(tmp_path / "images/a.png")
    xml = f'<annotations><image id="7" name="a.png" width="96" height="64">{shape}</image></annotations>'
    (tmp_path / "annotations.xml").write_text(xml)
    result = load_cvat(tmp_path)
    [error] = [p for p in result.problems if p.severity is Severity.ERROR]
    assert message in error.message
    assert error.location.startswith("image 7, <")


def test_image_names_out_of_the_dataset_are_refused(tmp_path):
    write_image(tmp_path / "a.png")
    (tmp_path / "d").mkdir()
    xml = '<annotations><image id="0" name="../a.png" width="96" height="64"/></annotations>'
    (tmp_path / "d/annotations.xml").write_text(xml)
    result = load_cvat(tmp_path / "d")
    assert "leads outside the dataset" in result.problems[0].message
    assert len(result.dataset) == 0
