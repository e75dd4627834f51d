"""Which completion-time cells time the forwarding of an application rather than its completion: read on the
real cells of seeds 000 (Eskişehir police), 001 (Esenler) and 002 (Kayseri), and on the other ways tables
say it."""

import pytest

from kentmasa.deadlines import governs_forwarding
from kentmasa.deadlines.tests.test_standards import (
    KADES,
    KGYS_CAMERA,
    POLICE_155,
    POLICE_EMAIL,
    POLICE_SMS,
    SEED_CELLS,
    seed_cells,
)

# Of every completion-time cell in the three seed tables, these time the forwarding: the police 155 line
# ("10 dakika içinde ilgili yerlere ulaştırır"), its e-mail and SMS rows ("ilgili birime ulaştırılır", no
# time) and KADES ("anlık olarak Haber Merkezine bildirilmekte"). The camera recordings' retention
# ("silinmektedir") and every municipal time ("15 GÜN", "10 D", "15 İŞ GÜNÜ *…") time completion.
FORWARDING_CELLS = {POLICE_155, POLICE_EMAIL, POLICE_SMS, KADES}


def test_the_seed_cells_are_the_ones_the_standards_tests_list():
    assert seed_cells() == set(SEED_CELLS)
    assert set(SEED_CELLS) > FORWARDING_CELLS


@pytest.mark.parametrize("text", sorted(SEED_CELLS))
def test_every_seed_cell_reads_as_forwarding_or_completion(text):
    assert governs_forwarding(text) is (text in FORWARDING_CELLS)


def test_camera_retention_is_not_forwarding_although_it_states_a_time():
    assert governs_forwarding(KGYS_CAMERA) is False


@pytest.mark.parametrize(
    "text",
    [
        "Başvurular ilgili birime iletilir.",
        "Talebin ilgili müdürlüğe iletilmesi 1 saat içinde yapılır.",
        "Şikâyet 2 saat içinde ilgili birime yönlendirilir.",
        "Dilekçe aynı gün ilgili birime havale edilir.",
        "Evrak ilgili şubeye sevk edilir.",
        "Ihbarlar anlik olarak haber merkezine bildirilmekte",  # typed without Turkish letters
        "GÖNDERİLEN SMS İLGİLİ BİRİME ULAŞTIRILIR.",  # capitals: İ and I fold like the rest
        "Başvuru ilgili kuruma aktarılır.",
    ],
)
def test_other_ways_of_saying_it_is_passed_on(text):
    assert governs_forwarding(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "15 İŞ GÜNÜ",
        "30 Gün",
        "10 D",
        # The citizen reporting ("bildirilmesinden itibaren") and bringing to a result ("sonuca ulaştırır")
        # are not the institution passing the application on.
        "İhbarın bildirilmesinden itibaren 30 gün içinde sonuca ulaştırır.",
        # A cell that promises the answer itself times completion, whatever else it mentions.
        "Başvurular ilgili birime iletilir ve 15 gün içinde sonuçlandırılır.",
        "Dilekçeler 30 gün içinde cevaplandırılır.",
        "Başvuru evrakı ilgili birime iletilir ve 5 yıl saklanır.",  # a retention period, not a deadline
        "",
        "   ",
    ],
)
def test_completion_times_are_not_forwarding(text):
    assert governs_forwarding(text) is False


@pytest.mark.parametrize("value", [None, 15, ["ilgili birime ulaştırılır"], "\x00", "ş" * 5000])
def test_anything_else_is_simply_not_forwarding(value):
    assert governs_forwarding(value) is False
