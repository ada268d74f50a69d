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


def test_normalize_unifies_tone_placement_and_eth():
    from matching.text import normalize

    assert normalize("Hoà") == normalize("hòa") == "hòa"
    assert normalize("thuỷ sản") == "thủy sản"
    assert normalize("khoẻ") == "khỏe"
    assert normalize("uỷ ban") == "ủy ban"
    assert normalize("ÐƯỜNG") == "đường"
    # Syllables with a final consonant, "qu" + y, and tones already in place stay as they are.
    for word in ("hoàng", "quý", "giữ", "người", "thuyền", "toán", "hóa"):
        assert normalize(word) == word
    import unicodedata

    assert normalize(unicodedata.normalize("NFD", "cảng biển")) == "cảng biển"


def test_tokenize_keeps_one_letter_syllables():
    from matching.text import folded_tokens, tokenize

    assert tokenize("Y tế, ô tô (IoT)") == ["y", "tế", "ô", "tô", "iot"]
    assert folded_tokens("Đóng tàu") == ["dong", "tau"]
