from matching.text import fold_diacritics, slugify


def test_fold_diacritics_handles_d_and_every_mark():
    assert fold_diacritics("Cảng biển") == "Cang bien"
    assert fold_diacritics("Đóng tàu ĐÌNH VŨ") == "Dong tau DINH VU"
    assert fold_diacritics("Ðường ống") == "Duong ong"  # the look-alike eth letter
    assert fold_diacritics("nghiên cứu ứng dụng") == "nghien cuu ung dung"


def test_slugify():
    assert slugify("Hệ thống quản lý bãi container thông minh (IoT)") == "he-thong-quan-ly-bai-container-thong-minh-iot"
    assert len(slugify("dài " * 100, max_length=30)) <= 30
    assert slugify("!!!") == ""
