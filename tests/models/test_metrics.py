from seglab.models import read_metrics

CSV = """epoch,step,train/loss,val/mAP_50_95,val/segm_mAP_50_95
0,9,,0.10,0.20
0,9,5.5,,
1,19,,0.15,nan
1,19,4.25,,
"""


def test_train_and_val_rows_are_merged_per_epoch(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text(CSV)
    assert read_metrics(path) == [
        {"epoch": 0.0, "train/loss": 5.5, "val/mAP_50_95": 0.10, "val/segm_mAP_50_95": 0.20},
        {"epoch": 1.0, "train/loss": 4.25, "val/mAP_50_95": 0.15},
    ]
    assert read_metrics(tmp_path / "missing.csv") == []
